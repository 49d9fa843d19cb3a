import type { HTMLAttributes, Ref } from 'react';
import { FieldFrame } from './FieldFrame';

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
  return (
    <FieldFrame id={id} label={label} required={required} error={error} hint={hint}>
      {(control) => (
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
          {...control}
        />
      )}
    </FieldFrame>
  );
}
