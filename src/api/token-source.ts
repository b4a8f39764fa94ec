import type { Logger } from '../util/logger.js';
import type { ApiTokens } from './auth.js';
import { TokenFile } from './token-file.js';

export interface ApiTokenSettings {
  readToken?: string;
  writeToken?: string;
  readTokenFile?: string;
  writeTokenFile?: string;
  tokenOverlapMs: number;
}

/**
 * The API's tokens as the server asks for them on each request: inline ones as configured,
 * file ones re-read when their file changes (with the overlap window of src/api/token-window.ts).
 * Logs the file and what happened, never a token.
 */
export function apiTokenSource(api: ApiTokenSettings, log: Logger, now?: () => number): () => ApiTokens {
  const onEvent = (e: { file: string; kind: 'rotated' | 'unreadable'; error?: string }): void => {
    if (e.kind === 'rotated')
      log.info(
        { file: e.file, overlapMs: api.tokenOverlapMs },
        'API token file changed; previous token accepted during the overlap',
      );
    else log.warn({ file: e.file, error: e.error }, 'API token file unreadable; keeping the last token read');
  };
  const fromFile = (file: string | undefined, initial: string | undefined) =>
    file ? new TokenFile(file, { overlapMs: api.tokenOverlapMs, initial, now, onEvent }) : undefined;
  const read = fromFile(api.readTokenFile, api.readToken);
  const write = fromFile(api.writeTokenFile, api.writeToken);
  return () => ({
    read: read ? read.tokens() : api.readToken,
    write: write ? write.tokens() : api.writeToken,
  });
}
