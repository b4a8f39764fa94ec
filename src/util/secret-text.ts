import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

// Per process: the fingerprint tells two values apart within one run (a config reload sees a
// rotated credential as a change) but cannot be used to guess a weak password offline.
const FINGERPRINT_KEY = randomBytes(32);

/**
 * A secret read from a file (a git password or token) that rides inside plain config objects.
 * Every way an object is turned into text — JSON (logs, statuses, the reload comparison),
 * `util.inspect`, string templates — sees only `[redacted]` and a per-process fingerprint;
 * only `reveal()` gives the value, and only the code that sends it calls that.
 */
export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Differs when the value differs (within this process), says nothing about the value. */
  get fingerprint(): string {
    return createHmac('sha256', FINGERPRINT_KEY).update(this.#value).digest('hex').slice(0, 16);
  }

  toJSON(): { redacted: true; fingerprint: string } {
    return { redacted: true, fingerprint: this.fingerprint };
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return `SecretText([redacted] ${this.fingerprint})`;
  }
}

/** `text` with every occurrence of each secret replaced, for error messages from libraries. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
