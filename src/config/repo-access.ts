import path from 'node:path';
import type { RepoAccess, RepoSecretStore } from './types.js';

/** A project's `git:` as written in the config. */
export interface RawRepoAccess {
  username?: string;
  passwordFile?: string;
  passwordSecret?: string;
  tokenFile?: string;
  tokenSecret?: string;
  caFile?: string;
}

const SSH_HINT = 'not supported, use HTTPS with a token (project git.tokenFile or git.passwordFile)';

/**
 * Why `repo` cannot be used, or undefined. SSH (`ssh://`, `git+ssh://`, scp-like `user@host:path`)
 * and `git://` would otherwise fall through to "a path on this machine" and fail later with a
 * confusing "not a git repository"; they are refused at load instead.
 */
export function unsupportedRepo(repo: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repo)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === 'http' || scheme === 'https' || scheme === 'file') return undefined;
    if (scheme.includes('ssh')) return `SSH repository URL '${repo}' is ${SSH_HINT}`;
    return `'${scheme}://' repository URLs are not supported; use HTTPS (or a path on this machine)`;
  }
  // git's own rule for scp-like syntax: a colon before any slash, here with a user part.
  if (/^[^/@:\s]+@[^/:\s]+:/.test(repo)) return `SSH repository '${repo}' is ${SSH_HINT}`;
  return undefined;
}

/** True when an http(s) URL carries a user name or password of its own. */
export function hasInlineCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/**
 * The project's `git:` with absolute paths and the daemon-wide CA folded in; an error message
 * when the credential keys do not make one credential. Undefined when nothing applies. `store`:
 * the project's secret store, for a credential named by secret (passwordSecret, tokenSecret).
 */
export function repoAccess(
  raw: RawRepoAccess | undefined,
  baseDir: string,
  defaultCaFile: string | undefined,
  store?: RepoSecretStore,
): { access?: RepoAccess; error?: { key: string; message: string } } {
  const caFile = raw?.caFile !== undefined ? path.resolve(baseDir, raw.caFile) : defaultCaFile;
  const access: RepoAccess = caFile ? { caFile } : {};
  const fail = (key: string, message: string) => ({ error: { key, message } });
  const bearer = raw?.tokenFile !== undefined || raw?.tokenSecret !== undefined;
  const basic =
    raw?.passwordFile !== undefined || raw?.passwordSecret !== undefined || raw?.username !== undefined;
  if (bearer) {
    if (basic) {
      return fail(
        raw?.tokenFile !== undefined ? 'tokenFile' : 'tokenSecret',
        'git.tokenFile/tokenSecret (a bearer token) and git.username/passwordFile/passwordSecret (basic) exclude each other; keep one',
      );
    }
    if (raw?.tokenFile !== undefined && raw.tokenSecret !== undefined)
      return fail('tokenSecret', 'git.tokenFile and git.tokenSecret name the same token twice; keep one');
    access.auth =
      raw?.tokenFile !== undefined
        ? { kind: 'bearer', tokenFile: path.resolve(baseDir, raw.tokenFile) }
        : { kind: 'bearer', tokenSecret: raw?.tokenSecret, ...(store ? { store } : {}) };
  } else if (basic) {
    if (raw?.username === undefined)
      return fail(
        raw?.passwordFile !== undefined ? 'passwordFile' : 'passwordSecret',
        'HTTP basic needs git.username',
      );
    if (raw.passwordFile === undefined && raw.passwordSecret === undefined)
      return fail(
        'username',
        'HTTP basic needs both git.username and git.passwordFile (or git.passwordSecret)',
      );
    if (raw.passwordFile !== undefined && raw.passwordSecret !== undefined)
      return fail(
        'passwordSecret',
        'git.passwordFile and git.passwordSecret name the same password twice; keep one',
      );
    access.auth =
      raw.passwordFile !== undefined
        ? { kind: 'basic', username: raw.username, passwordFile: path.resolve(baseDir, raw.passwordFile) }
        : {
            kind: 'basic',
            username: raw.username,
            passwordSecret: raw.passwordSecret,
            ...(store ? { store } : {}),
          };
  }
  return access.auth || access.caFile ? { access } : {};
}
