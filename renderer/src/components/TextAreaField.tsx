import type { Ref } from 'react';
import { FieldFrame } from './FieldFrame';

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

/** A multi-line TextField. */
export function TextAreaField({ id, label, value, onChange, error, hint, rows = 3, placeholder, textAreaRef }: TextAreaFieldProps) {
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint}>
      {(control) => (
        <textarea
          id={id}
          ref={textAreaRef}
          value={value}
          rows={rows}
          placeholder={placeholder}
          onChange={(event) => onChange(event.target.value)}
          spellCheck={false}
          autoComplete="off"
          {...control}
        />
      )}
    </FieldFrame>
  );
}
