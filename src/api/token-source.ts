import type { Grant } from '../access/grants.js';
import { TokenRegistry } from '../access/token-registry.js';
import type { Logger } from '../util/logger.js';
import type { ApiTokens, ScopedTokens } from './auth.js';
import { scopedTokens } from './scoped-tokens.js';
import { TokenFile } from './token-file.js';

export interface ApiTokenSettings {
  readToken?: string;
  writeToken?: string;
  readTokenFile?: string;
  writeTokenFile?: string;
  tokenOverlapMs: number;
  /** api.tokens: token files mapped to projects and a role. */
  tokens?: readonly (Grant & { file: string })[];
}

/**
 * The API's tokens as the server asks for them on each request: inline ones as configured,
 * file ones re-read when their file changes (with the overlap window of src/api/token-window.ts).
 * Logs the file and what happened, never a token.
 */
export function apiTokenSource(api: ApiTokenSettings, log: Logger, now?: () => number): () => ApiTokens {
  const onEvent = fileEvents(api, log);
  const fromFile = (file: string | undefined, initial: string | undefined) =>
    file ? new TokenFile(file, { overlapMs: api.tokenOverlapMs, initial, now, onEvent }) : undefined;
  const read = fromFile(api.readTokenFile, api.readToken);
  const write = fromFile(api.writeTokenFile, api.writeToken);
  return () => ({
    read: read ? read.tokens() : api.readToken,
    write: write ? write.tokens() : api.writeToken,
  });
}

/**
 * The per-project tokens: the store under stateDir that `spin token` writes (docs/access.md) and
 * the config's api.tokens files. Logs which file changed and how many tokens it holds, never one.
 */
export function scopedTokenSource(
  stateDir: string,
  api: ApiTokenSettings,
  log: Logger,
  now?: () => number,
): ScopedTokens {
  const registry = new TokenRegistry(stateDir, {
    now,
    onEvent: (e) => {
      if (e.kind === 'loaded') log.info({ file: e.file, tokens: e.tokens }, 'API token store read');
      else
        log.error(
          { file: e.file, error: e.error },
          'API token store unreadable; no issued token works until it is fixed',
        );
    },
  });
  const onEvent = fileEvents(api, log);
  const files = (api.tokens ?? []).map((t) => ({
    file: new TokenFile(t.file, { overlapMs: api.tokenOverlapMs, now, onEvent }),
    grant: { projects: t.projects, role: t.role },
  }));
  return scopedTokens(registry, files);
}

function fileEvents(api: ApiTokenSettings, log: Logger) {
  return (e: { file: string; kind: 'rotated' | 'unreadable'; error?: string }): void => {
    if (e.kind === 'rotated')
      log.info(
        { file: e.file, overlapMs: api.tokenOverlapMs },
        'API token file changed; previous token accepted during the overlap',
      );
    else log.warn({ file: e.file, error: e.error }, 'API token file unreadable; keeping the last token read');
  };
}
