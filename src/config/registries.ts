import path from 'node:path';

/**
 * A login for one registry host, from the operators' config: never from a repository. The
 * password is read when a pull needs it — from its file, or from the deploying project's secret
 * store — so a rotated one needs no restart, and it is never kept in the config, a status, a
 * label or a log line.
 */
export interface RegistryCredential {
  username: string;
  /** Absolute path of a file holding the password (or token); trailing newlines are ignored. */
  passwordFile?: string;
  /**
   * Name of a secret in the deploying project's secret store holding the password. The store is
   * per project (docs/secrets.md), so a centre-wide login that names one reads it from the store
   * of whichever project pulls.
   */
  passwordSecret?: string;
}

/** Registry host (`host` or `host:port`, lower case) -> its login. */
export type RegistryCredentials = Record<string, RegistryCredential>;

/** `registries:` as written, at the top level or in a project. */
export type RawRegistries = Record<
  string,
  { username: string; passwordFile?: string; passwordSecret?: string }
>;

/**
 * Pure: the host whose login names neither or both of passwordFile and passwordSecret (one
 * login has one password), or undefined.
 */
export function ambiguousRegistryLogin(raw: RawRegistries | undefined): string | undefined {
  return Object.entries(raw ?? {}).find(
    ([, login]) => (login.passwordFile === undefined) === (login.passwordSecret === undefined),
  )?.[0];
}

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
      ...(login.passwordFile !== undefined
        ? { passwordFile: path.resolve(baseDir, login.passwordFile) }
        : { passwordSecret: login.passwordSecret }),
    };
  }
  return merged;
}
