// xterm.js runs the callbacks of all the writes it parsed in one go from one loop. An ack per callback
// would be a message per write; the acks of one run are summed and sent once, right after it.
/** Wraps `send` so that the byte counts given within one task go out as one ack. */
export function batchAcks(send: (bytes: number) => void): (bytes: number) => void {
  let pending = 0;
  return (bytes) => {
    if (pending === 0) {
      queueMicrotask(() => {
        const total = pending;
        pending = 0;
        send(total);
      });
    }
    pending += bytes;
  };
}
