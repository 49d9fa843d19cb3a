import type { Ref } from 'react';
import { FieldFrame } from './FieldFrame';

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

/** A native select laid out like TextField. */
export function SelectField<V extends string>({ id, label, value, options, onChange, error, hint, selectRef }: SelectFieldProps<V>) {
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint}>
      {(control) => (
        <select
          id={id}
          ref={selectRef}
          value={value}
          // Only the listed values can be chosen, so the cast names what the browser hands back.
          onChange={(event) => onChange(event.target.value as V)}
          {...control}
        >
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}
