import type { HTMLAttributes, Ref } from 'react';

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** Shown under the input and announced with it; the input is marked invalid while it is set. */
  error?: string;
  hint?: string;
  required?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  placeholder?: string;
  /** 'password' hides what is typed (passphrases, saved passwords). */
  type?: 'text' | 'password';
  autoComplete?: string;
}

export function TextField({ id, label, value, onChange, error, hint, required, inputRef, inputMode, placeholder, type = 'text', autoComplete = 'off' }: TextFieldProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : undefined, hint ? hintId : undefined].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required && <span className="required" aria-hidden="true"> *</span>}
      </label>
      <input
        id={id}
        type={type}
        ref={inputRef}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        inputMode={inputMode}
        placeholder={placeholder}
        autoComplete={autoComplete}
        spellCheck={false}
        aria-required={required || undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {/* Always present so that an error appearing does not push the form around. */}
      <p id={errorId} className="field-error">
        {error}
      </p>
    </div>
  );
}
