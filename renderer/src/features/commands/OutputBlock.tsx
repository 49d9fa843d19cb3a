interface OutputBlockProps {
  stdout: string;
  stderr: string;
  /** Why the output is shorter than what the command printed, if it is. */
  cut: string | null;
  /** A message from Lifeline or the agent about the command (why it was not delivered, refused…). */
  message: string | null;
}

/** A command's output, rendered only while its row is open. */
export function OutputBlock({ stdout, stderr, cut, message }: OutputBlockProps) {
  return (
    <div className="command-output">
      {message && <p className="command-message">{message}</p>}
      {stdout === '' && stderr === '' && <p className="muted">No output.</p>}
      {stdout !== '' && (
        <figure>
          <figcaption>stdout</figcaption>
          <pre tabIndex={0}>{stdout}</pre>
        </figure>
      )}
      {stderr !== '' && (
        <figure className="stderr">
          <figcaption>stderr</figcaption>
          <pre tabIndex={0}>{stderr}</pre>
        </figure>
      )}
      {cut && <p className="output-cut">{cut}</p>}
    </div>
  );
}
