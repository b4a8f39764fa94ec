import { readFileSync } from 'node:fs';
import { StatusDeliveryError } from './types.js';

/** Where a forge token comes from. Never from the repository, never inline in the config. */
export interface TokenSource {
  /** Name of an environment variable of the daemon holding the token. */
  tokenEnv?: string;
  /** Path of a file holding the token (first line, trimmed), e.g. a mounted secret. */
  tokenFile?: string;
}

/**
 * The token, read at each call so a rotated token file is picked up without a restart.
 * Errors name the variable or file, never a value. Missing tokens are not retryable: the
 * operator has to fix the configuration.
 */
export function resolveToken(source: TokenSource, env: NodeJS.ProcessEnv = process.env): string {
  if (source.tokenEnv) {
    const value = env[source.tokenEnv]?.trim();
    if (value) return value;
    if (!source.tokenFile) {
      throw new StatusDeliveryError(`token: environment variable ${source.tokenEnv} is not set`, false);
    }
  }
  if (source.tokenFile) {
    let text: string;
    try {
      text = readFileSync(source.tokenFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new StatusDeliveryError(`token: cannot read token file ${source.tokenFile} (${code})`, false);
    }
    const value = text.split(/\r?\n/, 1)[0]?.trim();
    if (value) return value;
    throw new StatusDeliveryError(`token: token file ${source.tokenFile} is empty`, false);
  }
  throw new StatusDeliveryError('token: neither tokenEnv nor tokenFile is configured', false);
}

/** Replaces every occurrence of `secret` in `text`; a belt over the braces of careful messages. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}
