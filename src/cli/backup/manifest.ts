import { createHash } from 'node:crypto';
import { buildInfo } from '../../util/version.js';

/**
 * `manifest.json` of a `spin backup` folder: what was copied (with sizes and SHA-256, so a
 * restore notices a damaged or edited backup), from which Spin and history schema, and where the
 * secret store's key lives. Format in docs/operations.md.
 */
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'spin-backup/1';

export interface BackupFile {
  /** Relative to the backup folder, POSIX; one of BACKUP_PATH's shapes. */
  path: string;
  bytes: number;
  sha256: string;
}

export type KeySource =
  /** `<stateDir>/secrets/master.key`, copied under `secrets/`. */
  | { kind: 'stateDir' }
  /** `secrets.keyFile`, copied to `keys/store.key`; restore leaves putting it back to the operator. */
  | { kind: 'keyFile'; path: string }
  /** An environment variable: not copied, the operator keeps its value. */
  | { kind: 'env'; variable: string }
  | { kind: 'none' };

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  spinVersion: string;
  /** The history database's schema version (src/store/migrations.ts). */
  schemaVersion: number;
  createdAt: string;
  /** The stateDir it was taken from, for the operator's information only. */
  stateDir: string;
  key: KeySource;
  files: BackupFile[];
}

/**
 * The only paths a backup holds. A restore reads the manifest as untrusted data: anything else
 * (`..`, absolute paths, other folders) is refused, so a doctored manifest cannot write elsewhere.
 */
export const BACKUP_PATH =
  /^(?:spin\.db|keys\/store\.key|secrets\/master\.key|access\/tokens\.json|(?:secrets|status|statuses)\/[a-z0-9][a-z0-9-]*\.json)$/;

export const HISTORY_FILE = 'spin.db';
/** The per-project API tokens (`spin token create`), as `<stateDir>/access/tokens.json` holds them. */
export const TOKENS_FILE = 'access/tokens.json';
export const EXTERNAL_KEY_FILE = 'keys/store.key';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** This Spin's version (package.json, read in one place: util/version.ts). */
export function spinVersion(): string {
  return buildInfo().version;
}

/** Checks a parsed manifest's shape; throws with what is wrong. */
export function parseManifest(value: unknown): BackupManifest {
  const m = value as Partial<BackupManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT) {
    throw new Error(`not a Spin backup manifest (format must be "${MANIFEST_FORMAT}")`);
  }
  if (!Number.isInteger(m.schemaVersion) || !Array.isArray(m.files) || typeof m.key !== 'object') {
    throw new Error('the manifest lacks schemaVersion, files or key');
  }
  for (const f of m.files as unknown[]) {
    const file = f as Partial<BackupFile>;
    if (
      typeof file.path !== 'string' ||
      !BACKUP_PATH.test(file.path) ||
      !Number.isInteger(file.bytes) ||
      typeof file.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(file.sha256)
    ) {
      throw new Error(`the manifest lists an entry Spin does not back up: ${JSON.stringify(f)}`);
    }
  }
  return m as BackupManifest;
}
