import type { Ref } from 'react';

interface TextAreaFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** Shown under the box and announced with it; the box is marked invalid while it is set. */
  error?: string;
  hint?: string;
  rows?: number;
  placeholder?: string;
  textAreaRef?: Ref<HTMLTextAreaElement>;
}

/** A multi-line TextField: label, hint and an error line that is always reserved. */
export function TextAreaField({ id, label, value, onChange, error, hint, rows = 3, placeholder, textAreaRef }: TextAreaFieldProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : undefined, hint ? hintId : undefined].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        ref={textAreaRef}
        value={value}
        rows={rows}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
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
