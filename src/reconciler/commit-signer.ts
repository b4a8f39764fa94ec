import { readFile } from 'node:fs/promises';
import type { CommitSigning, SecretsSettings } from '../config/types.js';
import { projectSecretReader } from '../secrets/project-secret.js';
import { readSigningKey, SigningKeyError, type CommitSigningKey } from '../trust/sign-commit.js';
import { errorMessage } from '../util/errors.js';

/**
 * Spin's signing key for one project's commits, read now from `commitSigning` (a rotated key or
 * passphrase needs no restart): the key from its file, the passphrase from its file or from the
 * project's secret store. Throws a SigningKeyError naming the setting to fix; no message ever
 * holds the key or the passphrase.
 */
export async function loadCommitSigningKey(
  signing: CommitSigning,
  project: string,
  secrets: SecretsSettings | undefined,
): Promise<CommitSigningKey> {
  const armored = await readFile(signing.keyFile, 'utf8').catch((err: unknown) => {
    throw new SigningKeyError(`commitSigning.keyFile ${signing.keyFile} cannot be read (${codeOf(err)})`);
  });
  let passphrase: string | undefined;
  if (signing.passphraseFile !== undefined) {
    const file = signing.passphraseFile;
    passphrase = await readFile(file, 'utf8').then(
      (text) => text.replace(/[\r\n]+$/, ''),
      (err: unknown) => {
        throw new SigningKeyError(`commitSigning.passphraseFile ${file} cannot be read (${codeOf(err)})`);
      },
    );
  } else if (signing.passphraseSecret !== undefined) {
    const name = signing.passphraseSecret;
    const value = await projectSecretReader(
      secrets,
      project,
    )(name).catch((err: unknown) => {
      throw new SigningKeyError(
        `commitSigning.passphraseSecret '${name}' of project ${project} cannot be read (${errorMessage(err)})`,
      );
    });
    if (value === undefined)
      throw new SigningKeyError(
        `commitSigning.passphraseSecret '${name}' is not set: run spin secret set ${project} ${name}`,
      );
    passphrase = value.toString('utf8').replace(/[\r\n]+$/, '');
  }
  try {
    return await readSigningKey(armored, passphrase);
  } catch (err) {
    if (!(err instanceof SigningKeyError)) throw err;
    throw new SigningKeyError(`commitSigning.keyFile ${signing.keyFile}: ${err.message}`);
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'unreadable';
}
