import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Recognisable in a leaked-credential scan, and never mistaken for a daemon-wide token. */
export const TOKEN_PREFIX = 'spin_';
/** 256 random bits: a guess is hopeless, so an unsalted hash is enough to store it. */
const TOKEN_BYTES = 32;

/** A new token: shown once to the operator, stored only as its hash. */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** sha256, hex: what the token store keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Index of the stored hash that `presented` hashes to, or -1. Every entry is compared, each in
 * constant time, so the time taken tells nothing about which entry was close.
 */
export function findHash(presented: string, hashes: readonly string[]): number {
  const mine = createHash('sha256').update(presented, 'utf8').digest();
  let found = -1;
  hashes.forEach((hex, i) => {
    const stored = Buffer.from(hex, 'hex');
    if (stored.length === mine.length && timingSafeEqual(stored, mine) && found < 0) found = i;
  });
  return found;
}

/** A short random id to name a token by in `spin token ls|revoke` and in logs. */
export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}
