import { readFileSync, statSync } from 'node:fs';
import type { Principal } from './grants.js';
import { findHash } from './token-secret.js';
import { isExpired, parseTokenRecords, type TokenRecord } from './token-records.js';
import { tokenStoreFile } from './token-store.js';

/** A presented token: who it stands for, or that it was issued but has expired. */
export type TokenMatch = { principal: Principal } | { expired: string; label: string };

export interface TokenRegistryOptions {
  now?: () => number;
  /** Told the file changed, or could not be read or parsed (then no stored token works). */
  onEvent?: (event: { file: string; kind: 'loaded' | 'unreadable'; tokens?: number; error?: string }) => void;
}

/**
 * The daemon's live view of `<stateDir>/access/tokens.json`. Checked on use like the token files
 * (a stat per request, src/api/token-file.ts): a token created or revoked by `spin token` works,
 * or stops working, on the next request, without a restart. Unlike a token file, a store that
 * cannot be read or parsed fails closed: keeping the last list would keep revoked tokens alive.
 */
export class TokenRegistry {
  private records: TokenRecord[] = [];
  private seen: string | undefined = 'never';
  private readonly file: string;
  private readonly now: () => number;

  constructor(
    stateDir: string,
    private readonly options: TokenRegistryOptions = {},
  ) {
    this.file = tokenStoreFile(stateDir);
    this.now = options.now ?? Date.now;
  }

  /** Whether any token is issued (expired ones included): then reads are no longer anonymous. */
  any(): boolean {
    this.refresh();
    return this.records.length > 0;
  }

  find(presented: string): TokenMatch | undefined {
    this.refresh();
    const index = findHash(
      presented,
      this.records.map((r) => r.hash),
    );
    const record = this.records[index];
    if (!record) return undefined;
    const label = `token ${record.id}${record.name ? ` (${record.name})` : ''}`;
    if (isExpired(record, this.now())) return { expired: record.expiresAt ?? '', label };
    return { principal: { label, grants: [{ projects: record.projects, role: record.role }] } };
  }

  private refresh(): void {
    const signature = this.signature();
    if (signature === this.seen) return;
    this.seen = signature;
    if (signature === undefined) {
      this.records = [];
      return;
    }
    try {
      this.records = parseTokenRecords(readFileSync(this.file, 'utf8'), this.file);
      this.options.onEvent?.({ file: this.file, kind: 'loaded', tokens: this.records.length });
    } catch (err) {
      this.records = [];
      this.options.onEvent?.({ file: this.file, kind: 'unreadable', error: (err as Error).message });
    }
  }

  /** mtime, size and inode: each change is a rename over the file, so the inode always changes. */
  private signature(): string | undefined {
    try {
      const s = statSync(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return undefined;
    }
  }
}
