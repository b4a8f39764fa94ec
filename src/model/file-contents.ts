/**
 * The contents of a commit's secrets and configs, for an engine that stores them itself (Swarm
 * secret and config objects) instead of reading files Spin writes on the host. A value is held
 * in a private field: it is never serialised (`JSON.stringify` and `util.inspect` show only the
 * keys), so a desired state that reaches a log, a status or a plan carries no value.
 */
import { inspect } from 'node:util';

export type FileObjectKind = 'secret' | 'config';

/** One secret's or config's content and the digest it is named by (never derived from the value alone for a secret). */
export interface FileContent {
  kind: FileObjectKind;
  /** The stack's key for it. */
  key: string;
  /**
   * Hex. A secret's is the secret store's keyed HMAC (a per-daemon key), so the digest tells
   * nothing about a short value; a config's is a plain sha256 (configs are not secret).
   */
  digest: string;
  value: Uint8Array;
}

export class FileContents {
  readonly #values = new Map<string, Uint8Array>();
  readonly #digests = new Map<string, string>();

  constructor(entries: readonly FileContent[] = []) {
    for (const e of entries) {
      this.#values.set(id(e.kind, e.key), e.value);
      this.#digests.set(id(e.kind, e.key), e.digest);
    }
  }

  /** The digest of a secret or config, undefined when this commit's delivery did not read it. */
  digest(kind: FileObjectKind, key: string): string | undefined {
    return this.#digests.get(id(kind, key));
  }

  /** The content itself: only the driver's create call may ask for it. */
  value(kind: FileObjectKind, key: string): Uint8Array | undefined {
    return this.#values.get(id(kind, key));
  }

  /** Which secrets and configs it holds, by `kind/key`: neither values nor digests. */
  toJSON(): string[] {
    return [...this.#digests.keys()].sort();
  }

  [inspect.custom](): string {
    return `FileContents { ${[...this.#digests.keys()].join(', ')} }`;
  }
}

const id = (kind: FileObjectKind, key: string) => `${kind}/${key}`;
