interface CheckboxFieldProps {
  id: string;
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  hint?: string;
}

/** A checkbox with its label beside it and a hint under it, in the same grid cell as the other fields. */
export function CheckboxField({ id, label, checked, onChange, hint }: CheckboxFieldProps) {
  const hintId = `${id}-hint`;
  return (
    <div className="field checkbox-field">
      <label htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} aria-describedby={hint ? hintId : undefined} />
        {label}
      </label>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}
