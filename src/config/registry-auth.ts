import { readFile } from 'node:fs/promises';
import { ImagePullError, type RegistryAuth } from '../model/image.js';
import { parseImageRef } from '../policy/syntax.js';
import type { RegistryCredential, RegistryCredentials } from './registries.js';

/**
 * Reads a secret of the deploying project's store by name (injected by the layer that owns the
 * store): undefined when the project has no such secret; throws when the store cannot be read.
 */
export type ProjectSecretReader = (name: string) => Promise<Buffer | undefined>;

/**
 * The login to send with a pull or a digest lookup of `ref`: the one configured for the
 * reference's own registry host, and only that one, so a stack can never have a login sent to
 * a host it chose. The password is read now, from its file or the project's secret store (a
 * rotated one needs no restart). Undefined when that host has no login (public or anonymous
 * registries).
 */
export async function registryAuthFor(
  ref: string,
  registries: RegistryCredentials | undefined,
  readSecret?: ProjectSecretReader,
): Promise<RegistryAuth | undefined> {
  const host = parseImageRef(ref).registry;
  const login = registries?.[host];
  if (!login) return undefined;
  return registryLogin(host, login, readSecret, ref);
}

/** The login of `host` with its password read now (see registryAuthFor); `ref` names the failure. */
export async function registryLogin(
  host: string,
  login: RegistryCredential,
  readSecret: ProjectSecretReader | undefined,
  ref: string = host,
): Promise<RegistryAuth> {
  const refuse = (why: string, fix: string) =>
    new ImagePullError('ImageUnauthorized', ref, `ImageUnauthorized: ${why}; ${fix}`);
  let password: string;
  if (login.passwordSecret !== undefined) {
    const name = login.passwordSecret;
    let value: Buffer | undefined;
    try {
      value = readSecret ? await readSecret(name) : undefined;
    } catch (err) {
      // The store's errors name the secret and file, never a value.
      throw refuse(
        `the password secret '${name}' for registry ${host} cannot be read (${err instanceof Error ? err.message : String(err)})`,
        'check the secret store and its key (docs/secrets.md)',
      );
    }
    if (value === undefined) {
      throw refuse(
        `the password secret '${name}' for registry ${host} is not set in this project's secret store`,
        `set it with spin secret set PROJECT ${name}`,
      );
    }
    password = value.toString('utf8').replace(/[\r\n]+$/, '');
  } else {
    const file = login.passwordFile ?? '';
    try {
      password = (await readFile(file, 'utf8')).replace(/[\r\n]+$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw refuse(
        `the password file for registry ${host} (${file}) cannot be read (${code})`,
        `fix registries.${host}.passwordFile in the daemon config`,
      );
    }
  }
  return { username: login.username, password, serveraddress: host };
}
