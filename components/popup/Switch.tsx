import type { ComponentChildren } from 'preact';

export interface SwitchProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The accessible name, when the visible label is shorter. */
  label?: string;
  disabled?: boolean;
  /** The visible label. */
  children: ComponentChildren;
}

/** An on/off switch: a real button with role="switch", so Space and Enter toggle it and readers say "on/off". */
export function Switch({ checked, onChange, label, disabled, children }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      class="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span class="switch-track" aria-hidden="true">
        <span class="switch-thumb" />
      </span>
      <span class="switch-label">{children}</span>
    </button>
  );
}
