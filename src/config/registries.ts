import path from 'node:path';

/**
 * A login for one registry host, from the operators' config: never from a repository. The
 * password is read from its file when a pull needs it (so a rotated file needs no restart) and is
 * never kept in the config, a status, a label or a log line.
 */
export interface RegistryCredential {
  username: string;
  /** Absolute path of a file holding the password (or token); trailing newlines are ignored. */
  passwordFile: string;
}

/** Registry host (`host` or `host:port`, lower case) -> its login. */
export type RegistryCredentials = Record<string, RegistryCredential>;

/** `registries:` as written, at the top level or in a project. */
export type RawRegistries = Record<string, { username: string; passwordFile: string }>;

/**
 * Pure: the logins a project uses, the centre-wide ones overlaid by the project's own for the
 * same host; paths made absolute against the file that wrote them.
 */
export function mergeRegistries(
  centre: RegistryCredentials,
  raw: RawRegistries | undefined,
  baseDir: string,
): RegistryCredentials {
  const merged: RegistryCredentials = { ...centre };
  for (const [host, login] of Object.entries(raw ?? {})) {
    merged[host.toLowerCase()] = {
      username: login.username,
      passwordFile: path.resolve(baseDir, login.passwordFile),
    };
  }
  return merged;
}
