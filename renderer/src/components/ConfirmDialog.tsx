import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Does the work; resolves to a message to show when it failed, or null when done. */
  onConfirm(): Promise<string | null>;
  /** After the dialog has closed, by confirming (true) or by Cancel or Escape (false). */
  onClose(confirmed: boolean): void;
}

/**
 * A modal confirmation on the native <dialog>: the browser makes the rest of the page inert (focus stays
 * inside) and Escape cancels. Cancel has the focus, so Enter alone never destroys anything.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const confirmed = useRef(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    element.showModal();
    cancel.current?.focus();
    return () => {
      if (element.open) element.close();
    };
  }, []);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    const problem = await onConfirm();
    setBusy(false);
    if (problem) {
      setError(problem);
      return;
    }
    confirmed.current = true;
    dialog.current?.close();
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      // A close event can arrive after a re-open (React's development double effects); only a closed
      // dialog reports.
      onClose={() => dialog.current?.open || onClose(confirmed.current)}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId} className="dialog-body">
        {children}
      </div>
      <p className="form-message" role="alert">
        {error}
      </p>
      <div className="dialog-actions">
        <button ref={cancel} type="button" className="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
        <button type="button" className="button danger" aria-disabled={busy || undefined} onClick={() => void confirm()}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
