/**
 * Wraps the body of a git-upload-pack response so the pack it carries is checked as it streams
 * (see pack-guard.ts) before isomorphic-git, which buffers and inflates it whole, gets it. The
 * bytes pass through unchanged; a pack that breaks a limit ends the body with a PackRefusedError,
 * which isomorphic-git's fetch rethrows before it writes or indexes anything, and the
 * connection is closed so the rest is not downloaded.
 */
import { formatBytes, PackRefusedError, PackScanner, type PackLimits } from './pack-guard.js';
import { PktLineError, PktLineReader } from './pkt-line.js';

export interface FetchLimits extends PackLimits {
  /** Largest upload-pack response (the compressed pack plus progress lines). */
  maxPackBytes: number;
}

export async function* guardUploadPack(
  body: AsyncIterable<Uint8Array>,
  limits: FetchLimits,
): AsyncGenerator<Uint8Array, void, undefined> {
  const scanner = new PackScanner(limits);
  const lines = new PktLineReader({ pack: (data) => scanner.push(data) });
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      if (received > limits.maxPackBytes) {
        throw new PackRefusedError(
          'pack-too-large',
          `fetch response of more than ${formatBytes(limits.maxPackBytes)} exceeds git.maxPackBytes`,
        );
      }
      await lines.push(chunk);
      yield chunk;
    }
    if (!lines.atBoundary) throw new PackRefusedError('malformed-pack', 'fetch response ended mid pkt-line');
    // After a server error the pack is cut short on purpose; isomorphic-git reports the error.
    if (!lines.serverError) scanner.finish();
  } catch (err) {
    if (err instanceof PktLineError) throw new PackRefusedError('malformed-pack', err.message);
    throw err;
  } finally {
    scanner.close();
  }
}
