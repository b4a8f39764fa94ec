import { createHash, timingSafeEqual } from 'node:crypto';
import type { Grant } from '../access/grants.js';
import type { TokenMatch, TokenRegistry } from '../access/token-registry.js';
import type { ScopedTokens } from './auth.js';
import type { TokenFile } from './token-file.js';

/** A token file the config maps to projects and a role (`api.tokens`). */
export interface GrantedTokenFile {
  file: TokenFile;
  grant: Grant;
}

/**
 * Per-project tokens from both places: those `spin token create` issued (the store, re-read when
 * it changes) and the config's token files (re-read when they change, with the overlap of a
 * rotation). Every candidate is compared every time, in constant time.
 */
export function scopedTokens(
  registry: TokenRegistry | undefined,
  files: readonly GrantedTokenFile[],
): ScopedTokens {
  return {
    any: () => files.length > 0 || (registry?.any() ?? false),
    find(presented: string): TokenMatch | undefined {
      const mine = createHash('sha256').update(presented).digest();
      let fromFile: TokenMatch | undefined;
      for (const { file, grant } of files) {
        let hit = false;
        for (const token of file.tokens()) {
          hit = timingSafeEqual(mine, createHash('sha256').update(token).digest()) || hit;
        }
        if (hit && !fromFile) fromFile = { principal: { label: `token file ${file.file}`, grants: [grant] } };
      }
      const stored = registry?.find(presented);
      return fromFile ?? stored;
    },
  };
}
