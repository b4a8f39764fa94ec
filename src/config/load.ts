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
import type { GitLimits, ProjectConfig, RepoLocation, SecretsSettings, SpinConfig } from './types.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateConfigSchema = ajv.compile(readSchema('config.schema.json'));

export type ConfigResult = { ok: true; config: SpinConfig } | { ok: false; diagnostics: Diagnostic[] };

/** Pure: config text -> validated, defaulted config with absolute paths (relative to the file). */
export function parseConfig(file: string, text: string): ConfigResult {
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
  const stateDir = path.resolve(baseDir, raw.stateDir ?? './.spin');
  const secrets = secretsSettings(raw.secrets ?? {}, baseDir, stateDir);
  const git = gitLimits(raw.git ?? {}, baseDir);
  const warnings: string[] = [];
  const seen = new Set<string>();
  const projects: ProjectConfig[] = [];
  (raw.projects ?? []).forEach((p, index) => {
    const at = (key: string) => doc.locate(['projects', index, key]);
    if (seen.has(p.name)) {
      const pos = at('name');
      diagnostics.push(
        diag(
          file,
          pos.line,
          pos.column,
          'config.duplicate-project',
          `project '${p.name}' is listed twice`,
          `projects.${index}.name`,
        ),
      );
    }
    seen.add(p.name);
    const policy = resolvePolicy(p.policy, policies);
    if (!policy.ok) {
      const pos = at('policy');
      diagnostics.push(
        diag(file, pos.line, pos.column, 'config.policy', policy.error, `projects.${index}.policy`),
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
    const repo = resolveRepo(p.repo, baseDir);
    const access = repoAccess(p.git, baseDir, git.caFile);
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
    projects.push({
      name: p.name,
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
      // A project's own age identity isolates its encrypted files from the other projects.
      secrets: p.secrets?.ageIdentityFile
        ? { ...secrets, ageIdentityFile: path.resolve(baseDir, p.secrets.ageIdentityFile) }
        : secrets,
      status: p.status as ProjectConfig['status'],
      trust: p.trust
        ? {
            keys: p.trust.keys ?? [],
            keyFiles: (p.trust.keyFiles ?? []).map((f) => path.resolve(baseDir, f)),
          }
        : undefined,
      previews: { branches: p.previews?.branches ?? true, refs: p.previews?.refs ?? [] },
    });
  });
  if (raw.resyncSchedule !== undefined && !cron.validate(raw.resyncSchedule)) {
    const pos = doc.locate(['resyncSchedule']);
    diagnostics.push(
      diag(
        file,
        pos.line,
        pos.column,
        'config.cron',
        `'${raw.resyncSchedule}' is not a cron expression`,
        'resyncSchedule',
      ),
    );
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
      api: {
        listen: raw.api?.listen ?? '127.0.0.1:7070',
        publicUrl: raw.api?.publicUrl,
        allowedHosts: raw.api?.allowedHosts,
        readToken: raw.api?.readToken,
        writeToken: raw.api?.writeToken,
        readTokenFile: raw.api?.readTokenFile && path.resolve(baseDir, raw.api.readTokenFile),
        writeTokenFile: raw.api?.writeTokenFile && path.resolve(baseDir, raw.api.writeTokenFile),
      },
      history: {
        maxPassesPerProject: raw.history?.maxPassesPerProject ?? 500,
        maxEventsPerProject: raw.history?.maxEventsPerProject ?? 1000,
      },
      git,
      docker: { host: raw.docker?.host },
      projects,
      policies,
      secrets,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
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
  const pos = locate(segments);
  const where = segments.join('.') || 'config';
  const extra =
    e.keyword === 'additionalProperties'
      ? `unknown key '${(e.params as { additionalProperty: string }).additionalProperty}' in ${where}`
      : `${where} ${e.message ?? 'is invalid'}`;
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

interface RawConfig {
  stateDir?: string;
  pollInterval?: string | number;
  concurrency?: number;
  gitConcurrency?: number;
  passTimeout?: string | number;
  resyncSchedule?: string;
  api?: {
    listen?: string;
    publicUrl?: string;
    allowedHosts?: string[];
    readToken?: string;
    writeToken?: string;
    readTokenFile?: string;
    writeTokenFile?: string;
  };
  history?: { maxPassesPerProject?: number; maxEventsPerProject?: number };
  git?: {
    maxObjectBytes?: string | number;
    maxPackBytes?: string | number;
    maxPackObjects?: number;
    caFile?: string;
  };
  docker?: { host?: string };
  projects?: Array<{
    name: string;
    repo: string;
    git?: RawRepoAccess;
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
  }>;
  policies?: Record<string, unknown>;
  secrets?: { keyFile?: string; keyEnv?: string; ageIdentityFile?: string; runtimeDir?: string };
}
