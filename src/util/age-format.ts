/**
 * Recognising age-encrypted files without decrypting them (pure, no crypto): a binary age file
 * starts with the version line `age-encryption.org/v1`, an armored one (`age -a`) with the PEM
 * line `-----BEGIN AGE ENCRYPTED FILE-----` (whitespace before it is allowed by the format).
 */
const BINARY_HEADER = 'age-encryption.org/v1\n';
const ARMOR_HEADER = '-----BEGIN AGE ENCRYPTED FILE-----';

export type AgeFormat = 'binary' | 'armored';

export function ageFormat(bytes: Uint8Array): AgeFormat | undefined {
  const head = Buffer.from(bytes.subarray(0, 128)).toString('latin1');
  if (head.startsWith(BINARY_HEADER)) return 'binary';
  if (head.replace(/^[ \t\r\n]+/, '').startsWith(ARMOR_HEADER)) return 'armored';
  return undefined;
}
