import type { Ref } from 'preact';

/** A result line: a status, or an alert for failures; focusable (`box`) so it can take the focus. */
export function Message({
  message,
  box,
}: {
  message: { text: string; error: boolean } | null;
  box?: Ref<HTMLParagraphElement>;
}) {
  if (!message) return null;
  return (
    <p
      ref={box}
      tabIndex={-1}
      role={message.error ? 'alert' : 'status'}
      class={message.error ? 'error' : 'ok'}
      dir="auto"
    >
      {message.text}
    </p>
  );
}
