import type { ReactNode } from 'react';

/** What the control inside a FieldFrame carries so that the hint and the error are announced with it. */
export interface FieldControlProps {
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface FieldFrameProps {
  id: string;
  label: string;
  required?: boolean;
  /** Shown under the control and announced with it; the control is marked invalid while it is set. */
  error?: string | undefined;
  hint?: string | undefined;
  /** The control (input, select, textarea) with the id and the props it is given. */
  children(control: FieldControlProps): ReactNode;
}

/** The frame every text-like form field shares: label, control, hint, and an error line that is always reserved. */
export function FieldFrame({ id, label, required, error, hint, children }: FieldFrameProps) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : undefined, hint ? hintId : undefined].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required && <span className="required" aria-hidden="true"> *</span>}
      </label>
      {children({ 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy || undefined })}
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
