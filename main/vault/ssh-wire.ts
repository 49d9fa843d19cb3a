// The SSH wire encodings (RFC 4251 §5) that public-key blobs and OpenSSH key files are made of.

export function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** A length-prefixed byte string. */
export function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/**
 * A non-negative integer given as unsigned big-endian bytes, as an mpint: no superfluous leading zero
 * bytes, and one zero byte added when the top bit is set so that it does not read as negative.
 */
export function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start += 1;
  const digits = unsigned.subarray(start);
  const needsSign = digits.length > 0 && (digits[0] & 0x80) !== 0;
  return sshString(needsSign ? Buffer.concat([Buffer.alloc(1), digits]) : digits);
}

/** Reads the byte string at `offset`; undefined when the buffer ends first. */
export function readSshString(data: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > data.length) return undefined;
  const length = data.readUInt32BE(offset);
  const next = offset + 4 + length;
  if (next > data.length) return undefined;
  return { value: data.subarray(offset + 4, next), next };
}
