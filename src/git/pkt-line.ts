/**
 * An incremental reader of a git-upload-pack response: pkt-lines (4 hex digits of length, then
 * the payload), with the side-band-64k convention that a payload starting with byte 1 is pack
 * data, 2 progress, 3 a fatal error. It reads the same framing as isomorphic-git's
 * GitSideBand.demux, so what it calls pack data is exactly what isomorphic-git will store.
 * Memory: at most one pkt-line (65520 bytes) is held back, whatever the response's size.
 */

/** Largest pkt-line the protocol allows (length included). */
export const MAX_PKT_LINE = 65520;

export interface PktLineHandlers {
  /** Band 1 payload, without its band byte. */
  pack(data: Buffer): Promise<void> | void;
}

export class PktLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PktLineError';
  }
}

export class PktLineReader {
  private pending: Buffer = Buffer.alloc(0);
  /** The server sent a fatal error (band 3): the pack stops there, and isomorphic-git reports it. */
  serverError = false;

  constructor(private readonly handlers: PktLineHandlers) {}

  /** Reads every whole pkt-line in `chunk` (plus what an earlier chunk left), in order. */
  async push(chunk: Uint8Array): Promise<void> {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    // Pack data of all the lines in this chunk goes to the handler at once: a response cut into
    // tiny pkt-lines must not cost one inflater round trip per line.
    const pack: Buffer[] = [];
    while (data.length >= 4) {
      const hex = data.toString('latin1', 0, 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new PktLineError(`upload-pack response is not pkt-line framed (got ${JSON.stringify(hex)})`);
      }
      const length = parseInt(hex, 16);
      if (length === 0 || length === 1) {
        data = data.subarray(4); // flush or delim packet
        continue;
      }
      if (length < 4 || length > MAX_PKT_LINE) {
        throw new PktLineError(`upload-pack response has a pkt-line of invalid length ${length}`);
      }
      if (data.length < length) break;
      const payload = data.subarray(4, length);
      data = data.subarray(length);
      // Bands 2 (progress) and 3 (error) and the ACK/NAK lines pass through unread.
      if (payload[0] === 1) pack.push(payload.subarray(1));
      if (payload[0] === 3) this.serverError = true;
    }
    if (pack.length > 0)
      await this.handlers.pack(pack.length === 1 ? (pack[0] as Buffer) : Buffer.concat(pack));
    // Copy, so a large chunk is not kept alive by the few bytes that remain of it.
    this.pending = Buffer.from(data);
  }

  /** True when the response ended on a pkt-line boundary. */
  get atBoundary(): boolean {
    return this.pending.length === 0;
  }
}
