import { ALL_PROJECTS, grantProblem, PROJECT_NAME } from './grants.js';
import { isRole, type Role } from './roles.js';

/** One issued token as the store keeps it: never the token, only its sha256. */
export interface TokenRecord {
  id: string;
  name?: string;
  /** sha256 of the token, hex. */
  hash: string;
  projects: string[];
  role: Role;
  createdAt: string;
  expiresAt?: string;
}

/** What `spin token ls` shows and the API may return: a record without its hash. */
export type TokenInfo = Omit<TokenRecord, 'hash'>;

export const TOKEN_STORE_VERSION = 1;

export class TokenStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenStoreError';
  }
}

/** Pure: the store file's text -> its records, or a TokenStoreError saying what is wrong where. */
export function parseTokenRecords(text: string, file: string): TokenRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TokenStoreError(`${file} is not valid JSON`);
  }
  if (!isObject(raw) || raw.version !== TOKEN_STORE_VERSION || !Array.isArray(raw.tokens)) {
    throw new TokenStoreError(`${file} is not a version ${TOKEN_STORE_VERSION} token store file`);
  }
  return raw.tokens.map((entry, index) => {
    const problem = recordProblem(entry);
    if (problem) throw new TokenStoreError(`${file}: token ${index + 1}: ${problem}`);
    return entry as TokenRecord;
  });
}

export function serialiseTokenRecords(records: readonly TokenRecord[]): string {
  return `${JSON.stringify({ version: TOKEN_STORE_VERSION, tokens: records }, null, 2)}\n`;
}

export function tokenInfo(record: TokenRecord): TokenInfo {
  const { hash: _hash, ...info } = record;
  return info;
}

/** Expired at `now` (a token without expiresAt never expires). */
export function isExpired(record: Pick<TokenRecord, 'expiresAt'>, now: number): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now;
}

/** The record `ref` names: its id, or its name when exactly one token has that name. */
export function findRecord(records: readonly TokenRecord[], ref: string): TokenRecord | undefined {
  const byId = records.find((r) => r.id === ref);
  if (byId) return byId;
  const byName = records.filter((r) => r.name === ref);
  return byName.length === 1 ? byName[0] : undefined;
}

function recordProblem(entry: unknown): string | undefined {
  if (!isObject(entry)) return 'not a mapping';
  if (typeof entry.id !== 'string' || !/^[0-9a-f]{6,64}$/.test(entry.id)) return 'id is missing or malformed';
  if (typeof entry.hash !== 'string' || !/^[0-9a-f]{64}$/.test(entry.hash))
    return 'hash is not a sha256 in hex';
  if (!isRole(entry.role)) return `role must be read, operate or admin`;
  if (!Array.isArray(entry.projects) || entry.projects.some((p) => typeof p !== 'string'))
    return 'projects must be a list of names';
  const projects = entry.projects as string[];
  if (projects.some((p) => p !== ALL_PROJECTS && !PROJECT_NAME.test(p)))
    return 'projects holds something that is not a project name or *';
  const grant = grantProblem({ projects, role: entry.role });
  if (grant) return grant;
  if (typeof entry.createdAt !== 'string') return 'createdAt is missing';
  if (
    entry.expiresAt !== undefined &&
    (typeof entry.expiresAt !== 'string' || Number.isNaN(Date.parse(entry.expiresAt)))
  )
    return 'expiresAt is not a date';
  if (entry.name !== undefined && typeof entry.name !== 'string') return 'name must be a string';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
