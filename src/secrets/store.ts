import { acquireLockFile } from '../util/lock-file.js';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { recoverRotation } from './rotate-recover.js';

/**
 * Spin's secret store: one JSON file per project under `<stateDir>/secrets/` (folder 0700, files
 * 0600), each value sealed with AES-256-GCM. The additional authenticated data binds a ciphertext
 * to its project and name, so a value cannot be moved to another secret unnoticed. Beside it, a
 * keyed digest (HMAC-SHA256 over `project/name/value`) lets the config hash follow a value
 * without making it guessable offline. Format: docs/secrets.md.
 *
 * Encryption and digest keys are derived from the operator's 32-byte key with HKDF-SHA256, so
 * the key itself is used for nothing else.
 */

export const STORE_VERSION = 1;
export const KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';
/** Secret names: what a stack file key may be (schemas/stack.schema.json). */
export const SECRET_NAME = /^[a-zA-Z0-9._-]+$/;
/** Values are delivered through memory and tmpfs; larger ones belong elsewhere. */
export const MAX_SECRET_BYTES = 1024 * 1024;

const AAD_PREFIX = 'spin-secret-v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretStoreError extends Error {
  constructor(
    message: string,
    readonly code: 'key' | 'format' | 'tampered' | 'name' | 'io' = 'io',
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

export interface StoredSecret {
  nonce: string;
  ciphertext: string;
  tag: string;
  updatedAt: string;
  digest: string;
}

export interface StoreFile {
  version: number;
  secrets: Record<string, StoredSecret>;
}

export interface SecretEntry {
  name: string;
  updatedAt: string;
}

export interface KeyOptions {
  stateDir: string;
  /** Absolute path of a key file (base64 text or 32 raw bytes). */
  keyFile?: string;
  /** Environment variable holding the key in base64; default SPIN_SECRET_KEY. */
  keyEnv?: string;
  /** The variable was named in the config, so it must be set (no generated key instead). */
  keyEnvExplicit?: boolean;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface StoreKey {
  key: Buffer;
  /** Where it came from, for messages (never the key itself). */
  origin: string;
  /** True when this call generated `<stateDir>/secrets/master.key`. */
  created: boolean;
}

export function storeDir(stateDir: string): string {
  return path.join(stateDir, 'secrets');
}

/**
 * The store key: `keyFile`, else the variable `keyEnv`, else `<stateDir>/secrets/master.key`,
 * which is generated (mode 0600) when missing and `create` allows it.
 */
export async function loadStoreKey(options: KeyOptions, create = true): Promise<StoreKey> {
  // A rotation that crashed midway must be finished or undone before anything reads the store,
  // or a missing `secrets/` would look like "no key yet" and a fresh key would be generated.
  if ((await recoverRotation(options.stateDir)) === 'busy') {
    throw new SecretStoreError(
      `a key rotation (spin secret rotate-key) is running on ${storeDir(options.stateDir)}; try again when it has finished`,
      'io',
    );
  }
  if (options.keyFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFile(options.keyFile);
    } catch (err) {
      throw new SecretStoreError(
        `cannot read the secret key file ${options.keyFile} (secrets.keyFile): ${code(err)}`,
        'key',
      );
    }
    return {
      key: decodeKey(bytes, `the key file ${options.keyFile}`),
      origin: options.keyFile,
      created: false,
    };
  }
  const variable = options.keyEnv ?? 'SPIN_SECRET_KEY';
  const fromEnv = (options.env ?? process.env)[variable];
  if (fromEnv !== undefined && fromEnv !== '') {
    return {
      key: decodeKey(Buffer.from(fromEnv), `the variable ${variable}`),
      origin: `$${variable}`,
      created: false,
    };
  }
  if (options.keyEnvExplicit) {
    throw new SecretStoreError(
      `the secret key variable ${variable} (secrets.keyEnv) is not set in the daemon's environment`,
      'key',
    );
  }
  const dir = storeDir(options.stateDir);
  const file = path.join(dir, MASTER_KEY_FILE);
  try {
    return { key: decodeKey(await readFile(file), `the key file ${file}`), origin: file, created: false };
  } catch (err) {
    if (err instanceof SecretStoreError || (err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err instanceof SecretStoreError
        ? err
        : new SecretStoreError(`cannot read the secret key file ${file}: ${code(err)}`, 'key');
    }
  }
  if (!create) {
    throw new SecretStoreError(
      `no secret key: configure secrets.keyFile or set ${variable}, or let Spin create ${file} with spin secret set`,
      'key',
    );
  }
  await ensureDir(dir);
  const key = randomBytes(KEY_BYTES);
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { key, origin: file, created: true };
  } catch (err) {
    // Someone else (the daemon or another CLI) created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadStoreKey(options, false);
    throw new SecretStoreError(`cannot create the secret key file ${file}: ${code(err)}`, 'key');
  }
}

/** Base64 text (standard or URL alphabet, surrounding whitespace ignored) or 32 raw bytes. */
export function decodeKey(bytes: Uint8Array, what: string): Buffer {
  const text = Buffer.from(bytes).toString('latin1').trim();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.length === KEY_BYTES) return decoded;
  }
  if (bytes.length === KEY_BYTES) return Buffer.from(bytes);
  throw new SecretStoreError(
    `${what} must hold a ${KEY_BYTES}-byte key in base64 (e.g. head -c 32 /dev/urandom | base64)`,
    'key',
  );
}

/** One store per stateDir. Reading names and times needs no key; values and digests do. */
export class SecretStore {
  readonly dir: string;
  private readonly encKey?: Buffer;
  private readonly macKey?: Buffer;

  /** `dir` defaults to `<stateDir>/secrets`; key rotation builds the next store beside it. */
  constructor(stateDir: string, key?: Buffer, dir = storeDir(stateDir)) {
    this.dir = dir;
    if (key) {
      if (key.length !== KEY_BYTES) throw new SecretStoreError(`the key must be ${KEY_BYTES} bytes`, 'key');
      this.encKey = derive(key, 'spin secret store: encryption v1');
      this.macKey = derive(key, 'spin secret store: digest v1');
    }
  }

  fileOf(project: string): string {
    checkProject(project);
    return path.join(this.dir, `${project}.json`);
  }

  /** Names and update times, sorted by name; never values. */
  async list(project: string): Promise<SecretEntry[]> {
    const file = await this.read(project);
    return Object.entries(file.secrets)
      .map(([name, s]) => ({ name, updatedAt: s.updatedAt }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async has(project: string, name: string): Promise<boolean> {
    return Object.prototype.hasOwnProperty.call((await this.read(project)).secrets, name);
  }

  /** The value, or undefined when the project has no such secret. Throws when it was tampered with. */
  async get(project: string, name: string): Promise<Buffer | undefined> {
    checkName(name);
    const file = await this.read(project);
    if (!Object.prototype.hasOwnProperty.call(file.secrets, name)) return undefined;
    const entry = file.secrets[name] as StoredSecret;
    const value = this.open(project, name, entry);
    const expected = Buffer.from(entry.digest, 'hex');
    const actual = Buffer.from(this.digest(project, name, value), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new SecretStoreError(
        `secret '${name}' of project ${project} does not match its digest: the store file was changed`,
        'tampered',
      );
    }
    return value;
  }

  /** `updatedAt` is kept from the old store when a key rotation re-encrypts a value. */
  async set(
    project: string,
    name: string,
    value: Uint8Array,
    updatedAt = new Date().toISOString(),
  ): Promise<SecretEntry> {
    checkName(name);
    if (value.length === 0) throw new SecretStoreError('the value is empty', 'format');
    if (value.length > MAX_SECRET_BYTES) {
      throw new SecretStoreError(`the value is ${value.length} bytes; at most ${MAX_SECRET_BYTES}`, 'format');
    }
    const sealed = {
      ...this.seal(project, name, value),
      updatedAt,
      digest: this.digest(project, name, value),
    };
    await this.update(project, (file) => {
      Object.defineProperty(file.secrets, name, {
        value: sealed,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    return { name, updatedAt };
  }

  /** False when there was no such secret. */
  async remove(project: string, name: string): Promise<boolean> {
    checkName(name);
    let removed = false;
    await this.update(project, (file) => {
      removed = Object.prototype.hasOwnProperty.call(file.secrets, name);
      if (removed) delete file.secrets[name];
    });
    return removed;
  }

  /** HMAC-SHA256(digest key, `project/name/` + value), hex: what the config hash covers. */
  digest(project: string, name: string, value: Uint8Array): string {
    return createHmac('sha256', this.requireKey().macKey)
      .update(`${project}/${name}/`)
      .update(value)
      .digest('hex');
  }

  private seal(project: string, name: string, value: Uint8Array): Omit<StoredSecret, 'updatedAt' | 'digest'> {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.requireKey().encKey, nonce, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(project, name));
    const ciphertext = Buffer.concat([cipher.update(value), cipher.final()]);
    return {
      nonce: nonce.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  private open(project: string, name: string, entry: StoredSecret): Buffer {
    const nonce = Buffer.from(entry.nonce, 'base64');
    const tag = Buffer.from(entry.tag, 'base64');
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretStoreError(
        `secret '${name}' of project ${project} is malformed in the store`,
        'format',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.requireKey().encKey, nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(project, name));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(entry.ciphertext, 'base64')), decipher.final()]);
    } catch {
      throw new SecretStoreError(
        `secret '${name}' of project ${project} cannot be decrypted: the store file was changed, or the key is not the one it was written with`,
        'tampered',
      );
    }
  }

  private requireKey(): { encKey: Buffer; macKey: Buffer } {
    if (!this.encKey || !this.macKey)
      throw new SecretStoreError('the secret store was opened without a key', 'key');
    return { encKey: this.encKey, macKey: this.macKey };
  }

  private async read(project: string): Promise<StoreFile> {
    const file = this.fileOf(project);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: STORE_VERSION, secrets: {} };
      throw new SecretStoreError(`cannot read ${file}: ${code(err)}`);
    }
    return parseStoreFile(text, file);
  }

  /** Read-modify-write under a lock file, replacing the file atomically (0600). */
  private async update(project: string, change: (file: StoreFile) => void): Promise<void> {
    const file = this.fileOf(project);
    await ensureDir(this.dir);
    const release = await lock(`${file}.lock`);
    try {
      const current = await this.read(project);
      change(current);
      const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temp, file);
    } finally {
      await release();
    }
  }
}

export function parseStoreFile(text: string, file: string): StoreFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretStoreError(`${file} is not valid JSON`, 'format');
  }
  if (!isObject(raw) || raw.version !== STORE_VERSION || !isObject(raw.secrets)) {
    throw new SecretStoreError(
      `${file} is not a version ${STORE_VERSION} secret store file (${isObject(raw) ? `version ${String(raw.version)}` : 'not a mapping'})`,
      'format',
    );
  }
  const secrets: Record<string, StoredSecret> = {};
  for (const [name, entry] of Object.entries(raw.secrets)) {
    const fields = ['nonce', 'ciphertext', 'tag', 'updatedAt', 'digest'] as const;
    if (!SECRET_NAME.test(name) || !isObject(entry) || fields.some((f) => typeof entry[f] !== 'string')) {
      throw new SecretStoreError(`${file}: the entry for '${name}' is malformed`, 'format');
    }
    Object.defineProperty(secrets, name, {
      value: Object.fromEntries(fields.map((f) => [f, entry[f]])) as unknown as StoredSecret,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { version: STORE_VERSION, secrets };
}

function derive(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, KEY_BYTES));
}

function aad(project: string, name: string): Buffer {
  return Buffer.from(`${AAD_PREFIX}\0${project}\0${name}`, 'utf8');
}

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new SecretStoreError(
      `invalid secret name '${name}': use letters, digits, '.', '_' and '-' (as in the stack file)`,
      'name',
    );
  }
}

function checkProject(project: string): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(project))
    throw new SecretStoreError(`invalid project name '${project}'`, 'name');
}

async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a folder it creates; the store must never be readable by others.
  await chmod(dir, 0o700);
}

function lock(file: string): Promise<() => Promise<void>> {
  return acquireLockFile(file, {
    onTimeout: () => new SecretStoreError(`the secret store is locked (${file})`),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
}
