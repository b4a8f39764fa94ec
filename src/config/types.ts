import type { Grant } from '../access/grants.js';
import type { StatusConfig } from '../model/status-config.js';
import type { ResolvedPolicy } from '../policy/index.js';
import type { SecretText } from '../util/secret-text.js';
import type { RegistryCredentials } from './registries.js';

export type RepoLocation = { kind: 'http'; url: string } | { kind: 'local'; path: string };

/**
 * Credentials for a private repository, from a file named in the config or a secret in the
 * project's own secret store (never the URL). A file's secret is read at load (and again when the
 * file changes, src/git/repo-auth.ts) and is a SecretText, so no log line, status or error that
 * serialises the config can carry it. Exactly one of the file and the secret is set.
 */
export type RepoAuth =
  | {
      kind: 'basic';
      username: string;
      passwordFile?: string;
      passwordSecret?: string;
      password?: SecretText;
      store?: RepoSecretStore;
    }
  | { kind: 'bearer'; tokenFile?: string; tokenSecret?: string; token?: SecretText; store?: RepoSecretStore };

/** Where a credential named by secret is read: the project's store, with the daemon's settings. */
export interface RepoSecretStore {
  project: string;
  settings: SecretsSettings;
}

/** How the daemon reaches a project's HTTPS repository (project `git:`, docs in the README). */
export interface RepoAccess {
  auth?: RepoAuth;
  /** PEM bundle trusted besides the public CAs: the project's own, else the top-level git.caFile. */
  caFile?: string;
  /** The text of caFile, read at load with the credentials. */
  ca?: string;
}

export interface ProjectConfig {
  name: string;
  /**
   * Set on the units a project's `environments:` expand into (src/config/environments.ts): the
   * configured project's name and the environment's. `name` is then `<project>--<env>`.
   */
  environment?: { project: string; name: string };
  /** The engine it runs on (a key of SpinConfig.engines); absent in older test fixtures: `default`. */
  engine?: string;
  repo: RepoLocation;
  /** Registry logins by host: the centre-wide ones overlaid by the project's own. */
  registries?: RegistryCredentials;
  /**
   * `digest`: every service follows its tag without a commit; `{ semver }`: every service follows
   * the highest tag in the range by a commit to the repository (else only x-spin imageUpdates ones).
   */
  imageUpdates?: 'digest' | 'off' | ImageUpdateSettings;
  /**
   * The OpenPGP key Spin signs its own commits with (the project's own, else the top-level one);
   * required to write image updates for a project with `trust`.
   */
  commitSigning?: CommitSigning;
  /** Credentials and CA for an http(s) repository; absent when it needs neither. */
  git?: RepoAccess;
  branch: string;
  /** Folder of the stack file inside the repository, POSIX, '' for the root. */
  path: string;
  /** The only variables interpolation may read. */
  env: Record<string, string>;
  policyName: string;
  policy: ResolvedPolicy;
  pollIntervalMs: number;
  webhookSecret?: string;
  webhookSecretFile?: string;
  suspended: boolean;
  /** Where commit statuses go (default: git notes on the project's own repository). */
  status?: StatusConfig;
  /** When set, the deploy-branch head must be signed by one of these OpenPGP keys. */
  trust?: { keys: string[]; keyFiles: string[] };
  /** Which other refs get a `spin/<project>/validate` preview status. */
  previews: { branches: boolean; refs: string[] };
  /** The daemon's top-level `secrets:` settings, with the project's own `ageIdentityFile` if it has one. */
  secrets?: SecretsSettings;
  /** The file (absolute) that defines the project: the main config or one in its projects.d. */
  definedIn?: string;
}

/**
 * A project's `imageUpdates` object: `semver` makes every service follow the range (a service's
 * own x-spin wins); `branch` sends image-update commits to that branch for review instead of the
 * deploy branch.
 */
export interface ImageUpdateSettings {
  semver?: string;
  branch?: string;
}

/**
 * `commitSigning:` (top level or a project's): an armored OpenPGP private key in a file, and its
 * passphrase from a file or the committing project's secret store (at most one of the two).
 * Paths absolute. Read at each use, so a rotated key needs no restart; never logged.
 */
export interface CommitSigning {
  keyFile: string;
  passphraseFile?: string;
  passphraseSecret?: string;
}

/** One `api.tokens` entry: whoever holds the token in `file` has `role` on `projects`. */
export interface TokenFileGrant extends Grant {
  file: string;
}

/** Top-level `secrets:` of the daemon config (docs/secrets.md); paths absolute. */
export interface SecretsSettings {
  /** The daemon's stateDir: the store is `<stateDir>/secrets/`. */
  stateDir: string;
  /** File holding the store's 32-byte key (base64, or 32 raw bytes). */
  keyFile?: string;
  /** Environment variable holding the key (base64); default SPIN_SECRET_KEY. */
  keyEnv: string;
  /** True when keyEnv was set in the config: then the variable must be set. */
  keyEnvExplicit: boolean;
  /** age identities (AGE-SECRET-KEY-1...) that decrypt age files committed to repositories. */
  ageIdentityFile?: string;
  /** Where secret and config files are written for the containers; should be a tmpfs. */
  runtimeDir: string;
}

/** Top-level `git:` of the daemon config, in bytes and objects. */
export interface GitLimits {
  /** Largest object (inflated), or delta target, a fetched pack may hold. */
  maxObjectBytes: number;
  /** Largest fetch response (the compressed pack). */
  maxPackBytes: number;
  /** Most objects one fetched pack may hold. */
  maxPackObjects: number;
  /** Default CA bundle for HTTPS repositories (copied into each project's `git.caFile`). */
  caFile?: string;
}

export interface SpinConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Absolute. */
  stateDir: string;
  pollIntervalMs: number;
  concurrency: number;
  /** Polls (ref advertisements) and fetches in flight at once, apart from the pass slots. */
  gitConcurrency: number;
  passTimeoutMs: number;
  /** Cron expression for the full resync that backs up the engine's event stream. */
  resyncSchedule: string;
  /** Cron expression for image-update checks (services following their tag's digest). */
  imageUpdateSchedule: string;
  /** Centre-wide registry logins by host (each project's `registries` already includes them). */
  registries: RegistryCredentials;
  /** The top-level `commitSigning` (each project's `commitSigning` already falls back to it). */
  commitSigning?: CommitSigning;
  api: {
    listen: string;
    publicUrl?: string;
    /** Extra names (host or host:port) the API answers to besides its own; see src/api/host-check.ts. */
    allowedHosts?: string[];
    readToken?: string;
    writeToken?: string;
    readTokenFile?: string;
    writeTokenFile?: string;
    /** After a token file changes, the previous token keeps working this long (see src/api/token-window.ts). */
    tokenOverlapMs: number;
    /** Token files mapped to projects and a role (absolute paths); re-read when they change. */
    tokens?: TokenFileGrant[];
  };
  history: { maxPassesPerProject: number; maxEventsPerProject: number };
  /** Limits on what a fetch from a project's repository may hold (src/git/pack-guard.ts). */
  git: GitLimits;
  /** What the config file said under `docker:`; `engines` holds the resolved engines. */
  docker: { host?: string };
  /** Named engines; a config without `engines:` has one, `default`, at `docker.host`. */
  engines: Record<string, EngineConfig>;
  /** The engine of projects that name none ('' when several engines and none is the default). */
  defaultEngine: string;
  /** The projects this daemon owns when several share the config (src/config/shard.ts). */
  shard?: ShardConfig;
  projects: ProjectConfig[];
  policies: Record<string, unknown>;
  secrets: SecretsSettings;
  /** Things that work but should change (e.g. credentials inline in a repository URL); logged. */
  warnings?: string[];
}

export type EngineKind = 'docker' | 'swarm';

/** One `engines:` entry (docs/engines.md); paths absolute. */
export interface EngineConfig {
  name: string;
  kind: EngineKind;
  /** unix:///path or tcp://host:port; absent: DOCKER_HOST, else the local socket. */
  host?: string;
  tls?: EngineTls;
}

/**
 * Client TLS for a tcp:// engine. The files are read at start and on reload
 * (src/cli/referenced-files.ts); the key is a SecretText so no log or status can carry it.
 */
export interface EngineTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca?: string;
  cert?: string;
  key?: SecretText;
}

/** `shard:` (or `spin daemon --shard I/N`): which projects this daemon reconciles. */
export interface ShardConfig {
  /** This daemon's shard, 0 <= index < count, by a hash of the project name. */
  index?: number;
  count?: number;
  /** Only projects on these engines. */
  engines?: string[];
}
