import { acquireLockFile } from '../util/lock-file.js';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { grantProblem } from './grants.js';
import type { Role } from './roles.js';
import { hashToken, newToken, newTokenId } from './token-secret.js';
import {
  findRecord,
  parseTokenRecords,
  serialiseTokenRecords,
  TokenStoreError,
  type TokenRecord,
} from './token-records.js';

/**
 * The per-project tokens under `<stateDir>/access/tokens.json` (folder 0700, file 0600), as
 * `spin token create|ls|revoke` change them. Every change is a read-modify-write under a lock
 * file, written to a temporary file, fsynced and renamed over the old one, so the daemon (which
 * re-reads the file when it changes, src/access/token-registry.ts) sees the old or the new list,
 * never half of one.
 */
export function tokenStoreFile(stateDir: string): string {
  return path.join(stateDir, 'access', 'tokens.json');
}

export async function readTokenRecords(stateDir: string): Promise<TokenRecord[]> {
  const file = tokenStoreFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TokenStoreError(`cannot read ${file}: ${code(err)}`);
  }
  return parseTokenRecords(text, file);
}

export interface NewTokenRequest {
  projects: string[];
  role: Role;
  name?: string;
  expiresAt?: string;
  now?: number;
}

/** Issues a token: returns it (the only time it exists outside the caller) and its record. */
export async function createToken(
  stateDir: string,
  request: NewTokenRequest,
): Promise<{ token: string; record: TokenRecord }> {
  const problem = grantProblem({ projects: request.projects, role: request.role });
  if (problem) throw new TokenStoreError(problem);
  const token = newToken();
  const record: TokenRecord = {
    id: newTokenId(),
    ...(request.name ? { name: request.name } : {}),
    hash: hashToken(token),
    projects: [...new Set(request.projects)].sort(),
    role: request.role,
    createdAt: new Date(request.now ?? Date.now()).toISOString(),
    ...(request.expiresAt ? { expiresAt: request.expiresAt } : {}),
  };
  await updateTokenRecords(stateDir, (records) => {
    if (request.name && records.some((r) => r.name === request.name))
      throw new TokenStoreError(
        `a token named '${request.name}' exists already; revoke it or pick another name`,
      );
    return [...records, record];
  });
  return { token, record };
}

/** Removes the token `ref` names (id, or a unique name); returns its record, undefined if none. */
export async function revokeToken(stateDir: string, ref: string): Promise<TokenRecord | undefined> {
  let revoked: TokenRecord | undefined;
  await updateTokenRecords(stateDir, (records) => {
    revoked = findRecord(records, ref);
    return revoked ? records.filter((r) => r !== revoked) : records;
  });
  return revoked;
}

async function updateTokenRecords(
  stateDir: string,
  change: (records: TokenRecord[]) => TokenRecord[],
): Promise<void> {
  const file = tokenStoreFile(stateDir);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a folder it creates; the hashes are nobody else's business.
  await chmod(dir, 0o700);
  const release = await lock(`${file}.lock`);
  try {
    const next = change(await readTokenRecords(stateDir));
    await writeAtomic(file, serialiseTokenRecords(next));
  } finally {
    await release();
  }
}

/** tmp + fsync + rename + fsync of the folder: after a crash the old or the new file, whole. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  const folder = await open(path.dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

function lock(file: string): Promise<() => Promise<void>> {
  return acquireLockFile(file, {
    onTimeout: () => new TokenStoreError(`the token store is locked (${file})`),
  });
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
}
