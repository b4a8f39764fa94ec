import { readFile } from 'node:fs/promises';
import { ImagePullError, type RegistryAuth } from '../model/image.js';
import { parseImageRef } from '../policy/syntax.js';
import type { RegistryCredentials } from './registries.js';

/**
 * The login to send with a pull or a digest lookup of `ref`: the one configured for the
 * reference's own registry host, and only that one, so a stack can never have a login sent to
 * a host it chose. The password is read from its file now (a rotated file needs no restart).
 * Undefined when that host has no login (public or anonymous registries).
 */
export async function registryAuthFor(
  ref: string,
  registries: RegistryCredentials | undefined,
): Promise<RegistryAuth | undefined> {
  const host = parseImageRef(ref).registry;
  const login = registries?.[host];
  if (!login) return undefined;
  let password: string;
  try {
    password = (await readFile(login.passwordFile, 'utf8')).replace(/[\r\n]+$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ImagePullError(
      'ImageUnauthorized',
      ref,
      `ImageUnauthorized: the password file for registry ${host} (${login.passwordFile}) cannot be read (${code}); fix registries.${host}.passwordFile in the daemon config`,
    );
  }
  return { username: login.username, password, serveraddress: host };
}
