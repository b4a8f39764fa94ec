import path from 'node:path';
import type { RepoAccess } from './types.js';

/** A project's `git:` as written in the config. */
export interface RawRepoAccess {
  username?: string;
  passwordFile?: string;
  tokenFile?: string;
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
 * when the credential keys do not make one credential. Undefined when nothing applies.
 */
export function repoAccess(
  raw: RawRepoAccess | undefined,
  baseDir: string,
  defaultCaFile: string | undefined,
): { access?: RepoAccess; error?: { key: string; message: string } } {
  const caFile = raw?.caFile !== undefined ? path.resolve(baseDir, raw.caFile) : defaultCaFile;
  const access: RepoAccess = caFile ? { caFile } : {};
  if (raw?.tokenFile !== undefined) {
    if (raw.passwordFile !== undefined || raw.username !== undefined) {
      return {
        error: {
          key: 'tokenFile',
          message:
            'git.tokenFile (a bearer token) and git.username/passwordFile (basic) exclude each other; keep one',
        },
      };
    }
    access.auth = { kind: 'bearer', tokenFile: path.resolve(baseDir, raw.tokenFile) };
  } else if (raw?.passwordFile !== undefined || raw?.username !== undefined) {
    if (raw.passwordFile === undefined || raw.username === undefined) {
      return {
        error: {
          key: raw.username === undefined ? 'passwordFile' : 'username',
          message: 'HTTP basic needs both git.username and git.passwordFile',
        },
      };
    }
    access.auth = {
      kind: 'basic',
      username: raw.username,
      passwordFile: path.resolve(baseDir, raw.passwordFile),
    };
  }
  return access.auth || access.caFile ? { access } : {};
}
