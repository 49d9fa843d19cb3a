/** An empty table cell: a dash for the eye, "none" for screen readers. */
export function Nothing() {
  return (
    <>
      <span className="muted" aria-hidden="true">
        —
      </span>
      <span className="visually-hidden">none</span>
    </>
  );
}
