import type { Ref } from 'react';

export interface SelectOption<V extends string> {
  value: V;
  label: string;
}

interface SelectFieldProps<V extends string> {
  id: string;
  label: string;
  value: V;
  options: ReadonlyArray<SelectOption<V>>;
  onChange(value: V): void;
  /** Shown under the select and announced with it; the select is marked invalid while it is set. */
  error?: string;
  hint?: string;
  selectRef?: Ref<HTMLSelectElement>;
}

/** A native select laid out like TextField: label, hint and an error line that is always reserved. */
export function SelectField<V extends string>({ id, label, value, options, onChange, error, hint, selectRef }: SelectFieldProps<V>) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : undefined, hint ? hintId : undefined].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        ref={selectRef}
        value={value}
        // Only the listed values can be chosen, so the cast names what the browser hands back.
        onChange={(event) => onChange(event.target.value as V)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      <p id={errorId} className="field-error">
        {error}
      </p>
    </div>
  );
}
