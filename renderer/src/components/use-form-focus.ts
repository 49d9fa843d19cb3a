import { useEffect, useRef } from 'react';

/**
 * What a form needs to move focus to one of its fields once it has rendered (the first wrong field after a
 * save, aria-invalid already set), and to tell whether it is still mounted when an answer arrives.
 * `initial`: the field focused when the form opens.
 */
export function useFormFocus<Field extends string>(initial: Field | null) {
  const inputs = useRef<Partial<Record<Field, HTMLElement | null>>>({});
  const focusAfterRender = useRef<Field | null>(initial);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // After every render, so that focus lands on the field in its new state.
  useEffect(() => {
    const field = focusAfterRender.current;
    focusAfterRender.current = null;
    if (field) inputs.current[field]?.focus();
  });

  return { inputs, focusAfterRender, mounted };
}
