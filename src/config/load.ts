import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parseYaml } from '../stack/parse.js';
import type { Diagnostic } from '../stack/diagnostics.js';
import { parseConfigDurationMs as parseDurationMs } from '../util/duration.js';
import { readSchema } from '../util/schemas.js';
import { resolvePolicy, validatePolicyObject } from '../policy/index.js';
import cron from 'node-cron';
import { parseSizeBytes } from '../util/units.js';
import { hasInlineCredentials, repoAccess, unsupportedRepo, type RawRepoAccess } from './repo-access.js';
import { closestName } from '../util/did-you-mean.js';
import { parseRange } from '../util/semver.js';
import { ambiguousRegistryLogin, mergeRegistries, type RawRegistries } from './registries.js';
import { parseEngines, projectEngine, type RawEngines } from './engines.js';
import { expandEnvironments, type RawEnvironment } from './environments.js';
import type { ProjectsFileText } from './projects-dir.js';
import { grantProblem } from '../access/grants.js';
import type { Role } from '../access/roles.js';
import type {
  CommitSigning,
  GitLimits,
  ProjectConfig,
  RepoLocation,
  SecretsSettings,
  SpinConfig,
  TokenFileGrant,
} from './types.js';

// verbose: schema errors carry their schema, whose `properties` are the "did you mean" candidates.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateConfigSchema = ajv.compile(readSchema('config.schema.json'));
// A projects.d file's entries are the main file's `projects:` entries, by reference.
const validateProjectsFileSchema = ajv.compile(readSchema('projects-file.schema.json'));

export type ConfigResult = { ok: true; config: SpinConfig } | { ok: false; diagnostics: Diagnostic[] };

type RawProject = NonNullable<RawConfig['projects']>[number];

/** One file's `projects:` list, with where it came from (its relative paths resolve against it). */
interface ProjectSource {
  file: string;
  baseDir: string;
  locate: (p: (string | number)[]) => { line: number; column: number };
  entries: RawProject[];
}

/**
 * Defaults the environment supplies where the file is silent: the container image sets
 * SPIN_STATE_DIR=/var/lib/spin, since `./.spin` beside a read-only mounted config cannot work.
 */
export interface ConfigDefaults {
  stateDir?: string;
}

/**
 * Pure: config text -> validated, defaulted config with absolute paths (relative to the file).
 * `projectFiles` are the projects.d files (config/projects-dir.ts) in merge order: their projects
 * follow the main file's; a name defined twice anywhere is an error naming both places.
 * `defaults` fill keys the file leaves out (see ConfigDefaults).
 */
export function parseConfig(
  file: string,
  text: string,
  projectFiles: ProjectsFileText[] = [],
  defaults: ConfigDefaults = {},
): ConfigResult {
  const parsed = parseYaml(file, text);
  if (!parsed.doc || parsed.diagnostics.length > 0) return { ok: false, diagnostics: parsed.diagnostics };
  const doc = parsed.doc;
  if (!validateConfigSchema(doc.value)) {
    return {
      ok: false,
      diagnostics: (validateConfigSchema.errors ?? []).map((e) => schemaDiagnostic(file, e, doc.locate)),
    };
  }
  const raw = doc.value as RawConfig;
  const baseDir = path.dirname(path.resolve(file));
  const diagnostics: Diagnostic[] = [];
  const defaultPollMs = parseDurationMs(raw.pollInterval ?? '15s') ?? 15_000;
  const policies = raw.policies ?? {};
  const stateDir = path.resolve(baseDir, raw.stateDir ?? defaults.stateDir ?? './.spin');
  const secrets = secretsSettings(raw.secrets ?? {}, baseDir, stateDir);
  const git = gitLimits(raw.git ?? {}, baseDir);
  const centreRegistries = mergeRegistries({}, raw.registries, baseDir);
  const ambiguousCentre = ambiguousRegistryLogin(raw.registries);
  if (ambiguousCentre !== undefined) {
    const pos = doc.locate(['registries', ambiguousCentre]);
    diagnostics.push(registryLoginDiag(file, pos, `registries.${ambiguousCentre}`));
  }
  const centreSigning = signingSettings(raw.commitSigning, baseDir);
  if (centreSigning && twoPassphrases(centreSigning)) {
    const pos = doc.locate(['commitSigning']);
    diagnostics.push(
      diag(file, pos.line, pos.column, 'config.commitSigning', TWO_PASSPHRASES, 'commitSigning'),
    );
  }
  const warnings: string[] = [];
  const engineSet = parseEngines(raw, file, baseDir, (p) => doc.locate(p.map(String)));
  diagnostics.push(...engineSet.diagnostics);
  const sources: ProjectSource[] = [
    { file, baseDir, locate: (p) => doc.locate(['projects', ...p]), entries: raw.projects ?? [] },
  ];
  for (const extra of projectFiles) {
    const source = parseProjectsFile(extra);
    if ('diagnostics' in source) diagnostics.push(...source.diagnostics);
    else sources.push(source);
  }
  const entries = sources.flatMap((source) => source.entries.map((p, index) => ({ p, index, source })));
  const seen = new Map<string, { file: string; line: number; column: number }>();
  const projects: ProjectConfig[] = [];
  entries.forEach(({ p, index, source }) => {
    // Paths in a projects.d file are relative to that file, as the main file's are to it.
    const baseDir = source.baseDir;
    const at = (key: string) => source.locate([index, key]);
    const where = { file: source.file, ...at('name') };
    const first = seen.get(p.name);
    if (first) diagnostics.push(duplicateProject(p.name, first, where, `projects.${index}.name`));
    else seen.set(p.name, where);
    const policy = resolvePolicy(p.policy, policies);
    if (!policy.ok) {
      const pos = at('policy');
      diagnostics.push(
        diag(source.file, pos.line, pos.column, 'config.policy', policy.error, `projects.${index}.policy`),
      );
      return;
    }
    const unsupported = unsupportedRepo(p.repo);
    if (unsupported) {
      const pos = at('repo');
      diagnostics.push(
        diag(file, pos.line, pos.column, 'config.repo', unsupported, `projects.${index}.repo`),
      );
      return;
    }
    const engine = projectEngine(p.engine, engineSet.engines, engineSet.defaultEngine);
    // With environments, each environment's own engine decides (checked in the expansion).
    if ('error' in engine && !p.environments) {
      const pos = at(p.engine === undefined ? 'name' : 'engine');
      diagnostics.push(
        diag(source.file, pos.line, pos.column, 'config.engine', engine.error, `projects.${index}.engine`),
      );
      return;
    }
    const repo = resolveRepo(p.repo, baseDir);
    const ambiguous = ambiguousRegistryLogin(p.registries);
    if (ambiguous !== undefined) {
      const pos = source.locate([index, 'registries', ambiguous]);
      diagnostics.push(registryLoginDiag(source.file, pos, `projects.${index}.registries.${ambiguous}`));
      return;
    }
    const registries = mergeRegistries(centreRegistries, p.registries, baseDir);
    if (
      typeof p.imageUpdates === 'object' &&
      p.imageUpdates.semver !== undefined &&
      !parseRange(p.imageUpdates.semver)
    ) {
      const pos = source.locate([index, 'imageUpdates', 'semver']);
      const message = `'${p.imageUpdates.semver}' is not a semver range Spin reads: use ~1.4, ^1.4, 1.x, >=1.4 <2 or 1.4.2`;
      diagnostics.push(
        diag(source.file, pos.line, pos.column, 'config.semver', message, `projects.${index}.imageUpdates`),
      );
      return;
    }
    const reviewBranch = typeof p.imageUpdates === 'object' ? p.imageUpdates.branch : undefined;
    const branchProblem = reviewBranch !== undefined && reviewBranchProblem(reviewBranch, p.branch ?? 'main');
    if (branchProblem) {
      const pos = source.locate([index, 'imageUpdates', 'branch']);
      diagnostics.push(
        diag(
          source.file,
          pos.line,
          pos.column,
          'config.imageUpdates',
          branchProblem,
          `projects.${index}.imageUpdates`,
        ),
      );
      return;
    }
    const ownSigning = signingSettings(p.commitSigning, baseDir);
    if (ownSigning && twoPassphrases(ownSigning)) {
      const pos = source.locate([index, 'commitSigning']);
      diagnostics.push(
        diag(
          source.file,
          pos.line,
          pos.column,
          'config.commitSigning',
          TWO_PASSPHRASES,
          `projects.${index}.commitSigning`,
        ),
      );
      return;
    }
    const signing = ownSigning ?? centreSigning;
    const access = repoAccess(p.git, baseDir, git.caFile, { project: p.name, settings: secrets });
    if (access.error) {
      const pos = doc.locate(['projects', index, 'git', access.error.key]);
      const key = `projects.${index}.git.${access.error.key}`;
      diagnostics.push(diag(file, pos.line, pos.column, 'config.git', access.error.message, key));
      return;
    }
    if (repo.kind === 'local' && p.git !== undefined) {
      const pos = at('git');
      const message = `git: (credentials, CA) applies only to http(s) repositories; '${p.repo}' is a path on this machine`;
      diagnostics.push(diag(file, pos.line, pos.column, 'config.git', message, `projects.${index}.git`));
      return;
    }
    if (repo.kind === 'http' && hasInlineCredentials(repo.url) && access.access?.auth) {
      const pos = at('repo');
      const message = 'credentials are both inline in the URL and in git:; remove them from the URL';
      diagnostics.push(diag(file, pos.line, pos.column, 'config.repo', message, `projects.${index}.repo`));
      return;
    }
    if (repo.kind === 'http' && hasInlineCredentials(repo.url)) {
      const pos = at('repo');
      warnings.push(
        `${file}:${pos.line}:${pos.column}: config.repo-credentials: project '${p.name}' has credentials inline in its repository URL; they work (and are redacted) but sit in the config: move them to git.passwordFile or git.tokenFile`,
      );
    }
    const resolvedTrust = (trust: NonNullable<RawProject['trust']>) => ({
      keys: trust.keys ?? [],
      keyFiles: (trust.keyFiles ?? []).map((f) => path.resolve(baseDir, f)),
    });
    const base: ProjectConfig = {
      name: p.name,
      ...('engine' in engine ? { engine: engine.engine } : {}),
      repo,
      ...(repo.kind === 'http' && access.access ? { git: access.access } : {}),
      branch: p.branch ?? 'main',
      path: normaliseStackPath(p.path ?? '.'),
      env: Object.fromEntries(Object.entries(p.env ?? {}).map(([k, v]) => [k, String(v)])),
      policyName: p.policy ?? 'spin-default',
      policy: policy.policy,
      pollIntervalMs: parseDurationMs(p.pollInterval ?? defaultPollMs / 1000) ?? defaultPollMs,
      webhookSecret: p.webhookSecret,
      webhookSecretFile: p.webhookSecretFile ? path.resolve(baseDir, p.webhookSecretFile) : undefined,
      suspended: p.suspended ?? false,
      ...(Object.keys(registries).length > 0 ? { registries } : {}),
      ...(p.imageUpdates ? { imageUpdates: p.imageUpdates } : {}),
      ...(signing ? { commitSigning: signing } : {}),
      // A project's own age identity isolates its encrypted files from the other projects.
      secrets: p.secrets?.ageIdentityFile
        ? { ...secrets, ageIdentityFile: path.resolve(baseDir, p.secrets.ageIdentityFile) }
        : secrets,
      status: p.status as ProjectConfig['status'],
      trust: p.trust ? resolvedTrust(p.trust) : undefined,
      previews: { branches: p.previews?.branches ?? true, refs: p.previews?.refs ?? [] },
      definedIn: path.resolve(source.file),
    };
    const expansion = expandEnvironments(base, p.environments, {
      engine: (name) => projectEngine(name ?? p.engine, engineSet.engines, engineSet.defaultEngine),
      policy: (name) => resolvePolicy(name, policies),
      trust: resolvedTrust,
    });
    if (!expansion.ok) {
      const located = source.locate([index, 'environments', expansion.env, expansion.key]);
      const key = `projects.${index}.environments.${expansion.env}.${expansion.key}`;
      const message = `environment '${expansion.env}': ${expansion.error}`;
      diagnostics.push(
        diag(source.file, located.line, located.column, `config.${expansion.key}`, message, key),
      );
      return;
    }
    for (const unit of expansion.units) {
      if (unit.environment) {
        const unitWhere = {
          file: source.file,
          ...source.locate([index, 'environments', unit.environment.name]),
        };
        const taken = seen.get(unit.name);
        if (taken)
          diagnostics.push(duplicateProject(unit.name, taken, unitWhere, `projects.${index}.environments`));
        else seen.set(unit.name, unitWhere);
      }
      projects.push(unit);
    }
  });
  const tokens = (raw.api?.tokens ?? []).map((t, index): TokenFileGrant => {
    const grant = {
      file: path.resolve(baseDir, t.file),
      projects: typeof t.projects === 'string' ? [t.projects] : t.projects,
      role: t.role,
    };
    const problem = grantProblem(grant);
    if (problem) {
      const pos = doc.locate(['api', 'tokens', index, 'projects']);
      diagnostics.push(diag(file, pos.line, pos.column, 'config.api-tokens', problem, `api.tokens.${index}`));
    }
    return grant;
  });
  for (const key of ['resyncSchedule', 'imageUpdateSchedule'] as const) {
    const expression = raw[key];
    if (expression === undefined || cron.validate(expression)) continue;
    const pos = doc.locate([key]);
    diagnostics.push(
      diag(file, pos.line, pos.column, 'config.cron', `'${expression}' is not a cron expression`, key),
    );
  }
  for (const [i, name] of (raw.shard?.engines ?? []).entries()) {
    if (engineSet.engines[name]) continue;
    const pos = doc.locate(['shard', 'engines', String(i)]);
    const message = `shard.engines names '${name}', which is not an engine (engines: ${Object.keys(engineSet.engines).join(', ')})`;
    diagnostics.push(diag(file, pos.line, pos.column, 'config.shard', message, `shard.engines.${i}`));
  }
  if (raw.shard && (raw.shard.index !== undefined) !== (raw.shard.count !== undefined)) {
    const pos = doc.locate(['shard']);
    diagnostics.push(
      diag(
        file,
        pos.line,
        pos.column,
        'config.shard',
        'shard: index and count go together (e.g. index: 0, count: 2)',
        'shard',
      ),
    );
  } else if (raw.shard?.count !== undefined && (raw.shard.index ?? 0) >= raw.shard.count) {
    const pos = doc.locate(['shard', 'index']);
    const message = `shard.index ${raw.shard.index} is not below shard.count ${raw.shard.count} (shards are numbered from 0)`;
    diagnostics.push(diag(file, pos.line, pos.column, 'config.shard', message, 'shard.index'));
  }
  for (const [name, policy] of Object.entries(policies)) {
    diagnostics.push(
      ...validatePolicyObject(policy, file, { locate: doc.locate, pathPrefix: ['policies', name] }),
    );
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  return {
    ok: true,
    config: {
      file: path.resolve(file),
      stateDir,
      pollIntervalMs: defaultPollMs,
      concurrency: raw.concurrency ?? 4,
      gitConcurrency: raw.gitConcurrency ?? 8,
      passTimeoutMs: parseDurationMs(raw.passTimeout ?? '5m') ?? 300_000,
      resyncSchedule: raw.resyncSchedule ?? '* * * * *',
      imageUpdateSchedule: raw.imageUpdateSchedule ?? DEFAULT_IMAGE_UPDATE_SCHEDULE,
      registries: centreRegistries,
      ...(centreSigning ? { commitSigning: centreSigning } : {}),
      api: {
        listen: raw.api?.listen ?? '127.0.0.1:7070',
        publicUrl: raw.api?.publicUrl,
        allowedHosts: raw.api?.allowedHosts,
        readToken: raw.api?.readToken,
        writeToken: raw.api?.writeToken,
        readTokenFile: raw.api?.readTokenFile && path.resolve(baseDir, raw.api.readTokenFile),
        writeTokenFile: raw.api?.writeTokenFile && path.resolve(baseDir, raw.api.writeTokenFile),
        tokenOverlapMs: parseDurationMs(raw.api?.tokenOverlap ?? '5m') ?? 300_000,
        ...(tokens.length > 0 ? { tokens } : {}),
      },
      history: {
        maxPassesPerProject: raw.history?.maxPassesPerProject ?? 500,
        maxEventsPerProject: raw.history?.maxEventsPerProject ?? 1000,
      },
      git,
      docker: { host: raw.docker?.host },
      engines: engineSet.engines,
      defaultEngine: engineSet.defaultEngine,
      ...(raw.shard ? { shard: raw.shard } : {}),
      projects,
      policies,
      secrets,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

/** A projects.d file: YAML, then its own schema (a `projects:` list of the main file's entries). */
function parseProjectsFile({ file, text }: ProjectsFileText): ProjectSource | { diagnostics: Diagnostic[] } {
  const parsed = parseYaml(file, text);
  if (!parsed.doc || parsed.diagnostics.length > 0) return { diagnostics: parsed.diagnostics };
  const doc = parsed.doc;
  if (!validateProjectsFileSchema(doc.value)) {
    const errors = validateProjectsFileSchema.errors ?? [];
    return { diagnostics: errors.map((e) => schemaDiagnostic(file, e, doc.locate)) };
  }
  return {
    file,
    baseDir: path.dirname(path.resolve(file)),
    locate: (p) => doc.locate(['projects', ...p]),
    entries: (doc.value as { projects: RawProject[] }).projects,
  };
}

type Place = { file: string; line: number; column: number };

/** A registry login with neither or both of passwordFile and passwordSecret. */
function registryLoginDiag(file: string, pos: { line: number; column: number }, at: string): Diagnostic {
  const message = `${at} needs exactly one of passwordFile (a file) or passwordSecret (a secret in the project's store)`;
  return diag(file, pos.line, pos.column, 'config.registries', message, at);
}

/** Located at the second definition; names the first, in the same file or another one. */
function duplicateProject(name: string, first: Place, second: Place, at: string): Diagnostic {
  const message =
    first.file === second.file
      ? `project '${name}' is listed twice (first at line ${first.line}); remove one or rename it`
      : `project '${name}' is defined in both ${first.file}:${first.line}:${first.column} and ${second.file}:${second.line}:${second.column}; remove one or rename it`;
  return diag(second.file, second.line, second.column, 'config.duplicate-project', message, at);
}

/**
 * Defaults of `git:`. Objects may be bigger than the policy's 16 MiB cap on bind-mounted files
 * because history holds files no stack mounts; still, each fetched object is inflated whole by
 * isomorphic-git, so this is the memory one object may cost. 200,000 objects is far beyond a
 * stack repository and bounds isomorphic-git's per-object index (a few hundred bytes each).
 */
export const DEFAULT_GIT_LIMITS: GitLimits = {
  maxObjectBytes: 64 * 1024 ** 2,
  maxPackBytes: 512 * 1024 ** 2,
  maxPackObjects: 200_000,
};

function gitLimits(raw: NonNullable<RawConfig['git']>, baseDir: string): GitLimits {
  // The schema's pattern admits only sizes parseSizeBytes reads.
  const size = (value: string | number | undefined, fallback: number) =>
    value === undefined ? fallback : (parseSizeBytes(value) ?? fallback);
  return {
    maxObjectBytes: size(raw.maxObjectBytes, DEFAULT_GIT_LIMITS.maxObjectBytes),
    maxPackBytes: size(raw.maxPackBytes, DEFAULT_GIT_LIMITS.maxPackBytes),
    maxPackObjects: raw.maxPackObjects ?? DEFAULT_GIT_LIMITS.maxPackObjects,
    ...(raw.caFile !== undefined ? { caFile: path.resolve(baseDir, raw.caFile) } : {}),
  };
}

/** Image-update checks every 5 minutes: a registry is asked once per followed image per check. */
export const DEFAULT_IMAGE_UPDATE_SCHEDULE = '*/5 * * * *';

export const DEFAULT_SECRET_KEY_ENV = 'SPIN_SECRET_KEY';
export const DEFAULT_RUNTIME_DIR = '/run/spin';

/** Top-level `secrets:` with defaults; relative paths are relative to the config file. */
export function secretsSettings(
  raw: NonNullable<RawConfig['secrets']>,
  baseDir: string,
  stateDir: string,
): SecretsSettings {
  const settings: SecretsSettings = {
    stateDir,
    keyEnv: raw.keyEnv ?? DEFAULT_SECRET_KEY_ENV,
    keyEnvExplicit: raw.keyEnv !== undefined,
    runtimeDir: path.resolve(baseDir, raw.runtimeDir ?? DEFAULT_RUNTIME_DIR),
  };
  if (raw.keyFile !== undefined) settings.keyFile = path.resolve(baseDir, raw.keyFile);
  if (raw.ageIdentityFile !== undefined)
    settings.ageIdentityFile = path.resolve(baseDir, raw.ageIdentityFile);
  return settings;
}

export function resolveRepo(repo: string, baseDir: string): RepoLocation {
  if (/^https?:\/\//.test(repo)) return { kind: 'http', url: repo };
  const localPath = repo.startsWith('file://') ? fileURLToPath(repo) : path.resolve(baseDir, repo);
  return { kind: 'local', path: localPath };
}

/** The stack folder inside the repo, POSIX, without leading './' or trailing '/'; '' for the root. */
function normaliseStackPath(p: string): string {
  const normal = path.posix.normalize(p.replace(/\\/g, '/'));
  return normal === '.' ? '' : normal.replace(/^\.\//, '').replace(/\/+$/, '');
}

function schemaDiagnostic(
  file: string,
  e: ErrorObject,
  locate: (p: string[]) => { line: number; column: number },
): Diagnostic {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let pos = locate(segments);
  const where = segments.join('.') || 'config';
  let extra = `${where} ${e.message ?? 'is invalid'}`;
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    // Located at the unknown key itself, with the nearest known key of that mapping as a hint.
    pos = locate([...segments, key]);
    const properties = (e.parentSchema as { properties?: object } | undefined)?.properties;
    const hint = closestName(key, Object.keys(properties ?? {}));
    const inWhere = segments.length === 0 ? 'at the top level' : `in ${where}`;
    extra = `unknown key '${key}' ${inWhere}${hint ? ` (did you mean '${hint}'?)` : ''}`;
  }
  return diag(file, pos.line, pos.column, `config.${e.keyword}`, extra, segments.join('.'));
}

function diag(
  file: string,
  line: number,
  column: number,
  rule: string,
  message: string,
  p: string,
): Diagnostic {
  return { file, line, column, rule, message, path: p };
}

/** `commitSigning:` as written. */
interface RawCommitSigning {
  keyFile: string;
  passphraseFile?: string;
  passphraseSecret?: string;
}

/** Pure: `commitSigning` with its files made absolute against the file that wrote it. */
function signingSettings(raw: RawCommitSigning | undefined, baseDir: string): CommitSigning | undefined {
  if (!raw) return undefined;
  return {
    keyFile: path.resolve(baseDir, raw.keyFile),
    ...(raw.passphraseFile !== undefined
      ? { passphraseFile: path.resolve(baseDir, raw.passphraseFile) }
      : {}),
    ...(raw.passphraseSecret !== undefined ? { passphraseSecret: raw.passphraseSecret } : {}),
  };
}

const TWO_PASSPHRASES =
  'commitSigning: passphraseFile and passphraseSecret name the same passphrase twice; keep one';

/** One key has one passphrase: from a file or from the store, not both. */
function twoPassphrases(signing: CommitSigning): boolean {
  return signing.passphraseFile !== undefined && signing.passphraseSecret !== undefined;
}

/**
 * Pure: why `branch` cannot be the review branch of a project deploying `deployBranch` (git's
 * ref-name rules, in short), or undefined.
 */
export function reviewBranchProblem(branch: string, deployBranch: string): string | undefined {
  if (branch === deployBranch)
    return `imageUpdates.branch '${branch}' is the deploy branch; name another (e.g. spin/image-updates) or leave it out to commit to ${deployBranch}`;
  const bad =
    [...branch].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ||
    /[\s~^:?*[\\]/.test(branch) ||
    /(^|\/)\.|\.\.|\/\/|@\{|\.lock(\/|$)|^\/|\/$|\.$|^-/.test(branch) ||
    branch === '@';
  return bad ? `imageUpdates.branch '${branch}' is not a valid git branch name` : undefined;
}

interface RawConfig {
  stateDir?: string;
  pollInterval?: string | number;
  concurrency?: number;
  gitConcurrency?: number;
  passTimeout?: string | number;
  resyncSchedule?: string;
  imageUpdateSchedule?: string;
  registries?: RawRegistries;
  commitSigning?: RawCommitSigning;
  api?: {
    listen?: string;
    publicUrl?: string;
    allowedHosts?: string[];
    readToken?: string;
    writeToken?: string;
    readTokenFile?: string;
    writeTokenFile?: string;
    tokenOverlap?: string | number;
    tokens?: Array<{ file: string; projects: string | string[]; role: Role }>;
  };
  history?: { maxPassesPerProject?: number; maxEventsPerProject?: number };
  git?: {
    maxObjectBytes?: string | number;
    maxPackBytes?: string | number;
    maxPackObjects?: number;
    caFile?: string;
  };
  docker?: { host?: string };
  engines?: RawEngines;
  defaultEngine?: string;
  shard?: { index?: number; count?: number; engines?: string[] };
  projects?: Array<{
    name: string;
    engine?: string;
    repo: string;
    git?: RawRepoAccess;
    registries?: RawRegistries;
    imageUpdates?: 'digest' | 'off' | { semver?: string; branch?: string };
    commitSigning?: RawCommitSigning;
    branch?: string;
    path?: string;
    env?: Record<string, string | number | boolean>;
    policy?: string;
    pollInterval?: string | number;
    webhookSecret?: string;
    webhookSecretFile?: string;
    suspended?: boolean;
    status?: Record<string, unknown>;
    trust?: { keys?: string[]; keyFiles?: string[] };
    secrets?: { ageIdentityFile?: string };
    previews?: { branches?: boolean; refs?: string[] };
    environments?: Record<string, RawEnvironment>;
  }>;
  policies?: Record<string, unknown>;
  secrets?: { keyFile?: string; keyEnv?: string; ageIdentityFile?: string; runtimeDir?: string };
}
