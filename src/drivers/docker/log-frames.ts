import type Docker from 'dockerode';
import type { LogChunk, LogRequest } from '../driver.js';

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

/**
 * An engine log endpoint (`/containers/{id}/logs`, `/tasks/{id}/logs`) read as chunks, with the
 * request's follow, since, tail and timestamps. Dialled directly: dockerode's logs() buffers the
 * whole answer unless it follows, and a container that printed for weeks would be read into
 * memory at once. `tty`: the output is raw, not framed. Whoever stops reading (a client gone, a
 * replaced container) closes the engine's stream.
 */
export async function* readEngineLogs(
  modem: Docker['modem'],
  endpoint: { path: string; statusCodes: Record<number, true | string>; tty: boolean },
  request: LogRequest,
): AsyncIterable<LogChunk> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    modem.dial(
      {
        path: `${endpoint.path}?`,
        method: 'GET',
        isStream: true,
        abortSignal: request.signal,
        statusCodes: endpoint.statusCodes,
        options: {
          stdout: true,
          stderr: true,
          follow: request.follow,
          timestamps: request.timestamps,
          tail: request.tail === undefined ? 'all' : String(request.tail),
          ...(request.sinceMs === undefined ? {} : { since: (request.sinceMs / 1000).toFixed(3) }),
        },
      },
      (err: unknown, data: unknown) => (err ? reject(err as Error) : resolve(data as NodeJS.ReadableStream)),
    );
  });
  const demux = endpoint.tty ? undefined : new LogFrameDemuxer();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!demux) yield { stream: 'stdout', data: chunk };
      else yield* demux.push(chunk);
    }
  } catch (err) {
    if (!request.signal.aborted) throw err;
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
}
