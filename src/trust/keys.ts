import type * as OpenPGP from 'openpgp';

/** Loaded on first use: only projects with `trust.keys` need it, and it is large. */
export const loadOpenpgp = () => import('openpgp');

/** Parsed trust keys, by their armored text: parsing is slow-ish and the list rarely changes. */
const cache = new Map<string, Promise<OpenPGP.PublicKey[]>>();

/**
 * Reads armored OpenPGP public keys (one armor block may hold several). A private key pasted by
 * mistake is reduced to its public part. Throws, naming the entry, on anything unreadable, so a
 * config loader can refuse the config.
 */
export async function parseTrustKeys(armored: readonly string[]): Promise<OpenPGP.PublicKey[]> {
  const all: OpenPGP.PublicKey[] = [];
  for (const [index, text] of armored.entries()) {
    let parsed = cache.get(text);
    if (!parsed) {
      parsed = loadOpenpgp()
        .then((openpgp) => openpgp.readKeys({ armoredKeys: text }))
        .then((keys) => keys.map((k) => k.toPublic()));
      cache.set(text, parsed);
      parsed.catch(() => cache.delete(text));
    }
    try {
      all.push(...(await parsed));
    } catch (err) {
      throw new Error(
        `trust key #${index + 1} is not a valid OpenPGP public key: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  return all;
}

/** `ABCD…` as gpg prints key ids and fingerprints. */
export function hexId(id: { toHex(): string } | string): string {
  return (typeof id === 'string' ? id : id.toHex()).toUpperCase();
}
