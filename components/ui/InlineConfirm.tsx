import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * A question asked in place (not a modal dialog), with the safe answer focused; Esc answers it.
 * `busy` disables the risky answer and shows `working` as a status while it runs.
 */
export function InlineConfirm(props: {
  question: ComponentChildren;
  yes: string;
  busy: boolean;
  working?: string;
  onYes: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      class="actions confirm"
      role="group"
      aria-labelledby={id}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        props.onCancel();
      }}
    >
      <span id={id}>{props.question}</span>
      <button type="button" class="danger" disabled={props.busy} onClick={props.onYes}>
        {props.yes}
      </button>
      <button type="button" ref={cancel} onClick={props.onCancel}>
        Cancel
      </button>
      {props.working !== undefined && <span role="status">{props.busy ? props.working : ''}</span>}
    </div>
  );
}
