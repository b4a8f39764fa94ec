import type { LogChunk } from '../driver.js';

/**
 * Docker's multiplexed log stream (containers without a TTY): frames of an 8-byte header
 * (byte 0 the stream, 1 stdout or 2 stderr; bytes 4-7 the payload length, big-endian) and the
 * payload. A read may end anywhere, even inside a header, so the demuxer keeps the rest for the
 * next one. Pure apart from that buffer.
 */
export class LogFrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete frames `bytes` finishes, in order; stdin frames (0) are dropped. */
  push(bytes: Buffer): LogChunk[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, bytes]) : bytes;
    const chunks: LogChunk[] = [];
    let at = 0;
    while (this.pending.length - at >= HEADER) {
      const size = this.pending.readUInt32BE(at + 4);
      if (this.pending.length - at - HEADER < size) break;
      const kind = this.pending[at];
      const data = this.pending.subarray(at + HEADER, at + HEADER + size);
      if (kind === 1 || kind === 2) chunks.push({ stream: kind === 1 ? 'stdout' : 'stderr', data });
      at += HEADER + size;
    }
    this.pending = this.pending.subarray(at);
    return chunks;
  }
}

const HEADER = 8;
