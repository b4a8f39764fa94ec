import { mkdir } from 'node:fs/promises';
import type { ProjectConfig, SecretsSettings } from '../config/types.js';
import { DEFAULT_RUNTIME_DIR, DEFAULT_SECRET_KEY_ENV } from '../config/load.js';
import type { Diagnostic, PathSegment } from '../stack/diagnostics.js';
import { formatPath } from '../stack/diagnostics.js';
import type { Source } from '../stack/findings.js';
import type { MountSpec, ServiceSpec, StackModel } from '../stack/model.js';
import { repositoryPath } from '../stack/repo-files.js';
import { sha256, usesSecretOrConfigFiles } from '../stack/secrets.js';
import type { FileReader } from '../stack/source.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { FileContents, type FileContent } from '../model/file-contents.js';
import { AgeError, decryptAge, readIdentities, type AgeIdentities } from './age.js';
import {
  clearRuntimeFiles,
  isMemoryFilesystem,
  runtimeFilePath,
  syncRuntimeFiles,
  type RuntimeFile,
} from './runtime.js';
import { loadStoreKey, SecretStore, SecretStoreError } from './store.js';

/** What one project's pass gives the delivery step (a subset of the reconciler's ProjectContext). */
export interface DeliveryContext {
  project: Pick<ProjectConfig, 'name' | 'path' | 'secrets'>;
  source: { readerAt(commit: string): FileReader };
  stateDir: string;
  log: Logger;
}

/** Runtime folders already checked for tmpfs in this process (warn once each). */
const checkedRuntimeDirs = new Set<string>();

/** Projects whose runtime folder is known to be gone (no secrets or configs used). */
const cleared = new Set<string>();

/** A commit the gate admitted: its model and where its stack file's positions are. */
export interface AdmittedModel {
  model: StackModel;
  /** The stack file and positions in it, to locate secret and config problems. */
  source?: Source;
}

/**
 * What delivery gives back to the commit gate: the model the engine gets (runtime files bound
 * read-only at their targets) and the keyed digest of each secret's value (never the value), which
 * the gate folds into the config hashes of the services that use it.
 */
export type DeliveredSecrets =
  | { ok: true; model: StackModel; digests: ReadonlyMap<string, string>; contents?: FileContents }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * The per-pass step of the commit gate between admission and hashing. For a commit whose
 * services use secrets or configs, it
 *   1. reads every secret value (Spin's store, or an age file in the repository decrypted with
 *      the operator's identity) and every config's content;
 *   2. refuses the whole commit, changing nothing, when a secret is missing or cannot be
 *      decrypted (the diagnostic says how to fix it, and never holds a value);
 *   3. writes the files under the runtime folder (a tmpfs), only those that differ;
 *   4. returns the model the engine gets (read-only bind mounts of the files at their targets)
 *      and the secrets' digests. The cached, printable model (`spin config`) is never changed.
 * Secret values are re-read on every pass, so `spin secret set` is noticed without a new commit.
 */
export async function deliverSecrets(
  ctx: DeliveryContext,
  commit: string,
  admitted: AdmittedModel,
  options: DeliveryOptions = {},
): Promise<DeliveredSecrets> {
  const write = options.write ?? true;
  const { model } = admitted;
  const settings = ctx.project.secrets ?? defaultSettings(ctx.stateDir);
  const services = Object.values(model.services);
  // An engine that stores them itself gets the contents; no file of this project stays on the host.
  if (!usesSecretOrConfigFiles(model) || options.objects) {
    // Checked once per project and process: a stack without secrets or configs costs nothing per pass.
    if (
      write &&
      !cleared.has(model.project) &&
      (await clearRuntimeFiles(settings.runtimeDir, model.project))
    ) {
      ctx.log.info({ project: model.project }, 'removed secret and config files the stack no longer uses');
    }
    if (write) cleared.add(model.project);
    if (options.objects) return engineContents(ctx, commit, admitted, settings, write);
    return { ok: true, model, digests: new Map() };
  }
  cleared.delete(model.project);

  const reader = ctx.source.readerAt(commit);
  const stackDir = ctx.project.path;
  const problems: Diagnostic[] = [];
  const problem = (path: PathSegment[], rule: string, message: string): void => {
    const at = admitted.source?.locate(path) ?? { line: 0, column: 0 };
    problems.push({ file: admitted.source?.file ?? '', ...at, rule, message, path: formatPath(path) });
  };

  const values = await readSecrets(ctx, settings, model, reader, stackDir, problem, write);
  const contents = await readConfigs(model, reader, stackDir, problem);
  if (problems.length > 0 || !values) return { ok: false, diagnostics: problems };

  const files: RuntimeFile[] = [];
  const engineServices: Record<string, ServiceSpec> = {};
  for (const spec of services) {
    const mounts: MountSpec[] = [];
    for (const [kind, list] of [
      ['secrets', spec.secrets ?? []],
      ['configs', spec.configs ?? []],
    ] as const) {
      for (const m of list) {
        const content = kind === 'secrets' ? values.values.get(m.source) : contents.get(m.source);
        if (content === undefined) continue; // unreachable: reading reported every missing one
        const file = {
          service: spec.name,
          kind,
          target: m.target,
          content,
          uid: m.uid,
          gid: m.gid,
          mode: m.mode,
        };
        files.push(file);
        mounts.push({
          type: 'bind',
          source: runtimeFilePath(settings.runtimeDir, model.project, file),
          target: m.target,
          readOnly: true,
        });
      }
    }
    Object.defineProperty(engineServices, spec.name, {
      value: mounts.length > 0 ? { ...spec, mounts: [...spec.mounts, ...mounts] } : spec,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  if (write) {
    await warnUnlessTmpfs(settings.runtimeDir, ctx.log);
    const synced = await syncRuntimeFiles(settings.runtimeDir, model.project, files);
    if (synced.written > 0 || synced.removed > 0) {
      ctx.log.info(
        { project: model.project, commit, written: synced.written, removed: synced.removed },
        'secret and config files delivered',
      );
    }
  }
  return { ok: true, model: { ...model, services: engineServices }, digests: values.digests };
}

/** How a delivery runs: `write` files (not for previews); `objects` for an engine that stores them. */
export interface DeliveryOptions {
  write?: boolean;
  /**
   * The engine keeps secrets and configs as objects of its own (Swarm): the contents and their
   * digests are returned (`contents`), nothing is written on the host and the model keeps its
   * `secrets:`/`configs:` mounts for the driver to reference the objects by.
   */
  objects?: boolean;
}

/** The `objects` delivery: every used secret and config read (or the same refusal), nothing written. */
async function engineContents(
  ctx: DeliveryContext,
  commit: string,
  admitted: AdmittedModel,
  settings: SecretsSettings,
  write: boolean,
): Promise<DeliveredSecrets> {
  const { model } = admitted;
  if (!usesSecretOrConfigFiles(model)) return { ok: true, model, digests: new Map() };
  const reader = ctx.source.readerAt(commit);
  const problems: Diagnostic[] = [];
  const problem = (path: PathSegment[], rule: string, message: string): void => {
    const at = admitted.source?.locate(path) ?? { line: 0, column: 0 };
    problems.push({ file: admitted.source?.file ?? '', ...at, rule, message, path: formatPath(path) });
  };
  const values = await readSecrets(ctx, settings, model, reader, ctx.project.path, problem, write);
  const configs = await readConfigs(model, reader, ctx.project.path, problem);
  if (problems.length > 0 || !values) return { ok: false, diagnostics: problems };
  const entries: FileContent[] = [];
  for (const [key, value] of values.values) {
    const digest = values.digests.get(key);
    if (digest !== undefined) entries.push({ kind: 'secret', key, digest, value });
  }
  for (const [key, value] of configs) entries.push({ kind: 'config', key, digest: sha256(value), value });
  return { ok: true, model, digests: values.digests, contents: new FileContents(entries) };
}

/**
 * The same step for a preview (`spin plan`, the API's plan, branch previews): the digests and
 * mounts the daemon would use, so the plan is exact, but nothing is written (no runtime files,
 * no generated key). Without the daemon's secrets settings the model is returned as is.
 */
export async function previewSecrets(
  project: DeliveryContext['project'],
  source: DeliveryContext['source'],
  commit: string,
  admitted: AdmittedModel,
  options: { objects?: boolean } = {},
): Promise<DeliveredSecrets> {
  if (!project.secrets) return { ok: true, model: admitted.model, digests: new Map() };
  const ctx = { project, source, stateDir: project.secrets.stateDir, log: silentLogger() };
  return deliverSecrets(ctx, commit, admitted, { write: false, objects: options.objects });
}

function defaultSettings(stateDir: string): SecretsSettings {
  return {
    stateDir,
    keyEnv: DEFAULT_SECRET_KEY_ENV,
    keyEnvExplicit: false,
    runtimeDir: DEFAULT_RUNTIME_DIR,
  };
}

type Problem = (path: PathSegment[], rule: string, message: string) => void;

interface SecretValues {
  values: Map<string, Uint8Array>;
  digests: Map<string, string>;
}

/** Every secret a deployed service uses; undefined (with problems reported) when one is unusable. */
async function readSecrets(
  ctx: DeliveryContext,
  settings: SecretsSettings,
  model: StackModel,
  reader: FileReader,
  stackDir: string,
  problem: Problem,
  write: boolean,
): Promise<SecretValues | undefined> {
  const used = new Set(Object.values(model.services).flatMap((s) => (s.secrets ?? []).map((m) => m.source)));
  if (used.size === 0) return { values: new Map(), digests: new Map() };
  const project = model.project;
  const declared = [...used].sort().flatMap((name) => {
    const spec = model.secrets?.[name];
    return spec ? [spec] : [];
  });

  // Missing values first: that needs no key, so a refused stack creates nothing.
  const listing = new SecretStore(ctx.stateDir);
  let ok = true;
  for (const secret of declared.filter((s) => s.source === 'store')) {
    let present: boolean;
    try {
      present = await listing.has(project, secret.name);
    } catch (err) {
      problem(['secrets', secret.name], 'secrets.store', storeMessage(err));
      ok = false;
      continue;
    }
    if (!present) {
      ok = false;
      problem(['secrets', secret.name], 'secrets.missing', missingSecretMessage(project, secret.name));
    }
  }
  let identities: AgeIdentities | undefined;
  let identityProblem: string | undefined;
  const fileSecrets = declared.filter((s) => s.source === 'file');
  if (fileSecrets.length > 0 && settings.ageIdentityFile !== undefined) {
    try {
      identities = await readIdentities(settings.ageIdentityFile);
    } catch (err) {
      identityProblem = err instanceof AgeError ? err.message : String(err);
    }
  }
  const values = new Map<string, Uint8Array>();
  for (const secret of fileSecrets) {
    const file = secret.file ?? '';
    const at = ['secrets', secret.name, 'file'];
    const repoPath = repositoryPath(stackDir, file);
    const bytes = repoPath === undefined ? undefined : await reader.readFile(repoPath);
    if (!bytes) {
      ok = false;
      problem(at, 'secrets.missing-file', `"${file}" is not a file in the repository at this commit`);
      continue;
    }
    try {
      if (identityProblem !== undefined) throw new AgeError('identity-file', identityProblem);
      values.set(secret.name, await decryptAge(bytes, identities));
    } catch (err) {
      ok = false;
      const why = err instanceof AgeError ? err.message : 'decryption failed';
      problem(at, 'secrets.decrypt', `cannot decrypt ${repoPath ?? file}: ${why}`);
    }
  }
  if (!ok) return undefined;

  let store: SecretStore;
  try {
    const key = await loadStoreKey(
      {
        stateDir: ctx.stateDir,
        keyFile: settings.keyFile,
        keyEnv: settings.keyEnv,
        keyEnvExplicit: settings.keyEnvExplicit,
      },
      write,
    );
    if (key.created) {
      ctx.log.warn(
        { path: key.origin },
        'created a new secret store key (mode 0600); back it up, the stored secrets cannot be read without it',
      );
    }
    store = new SecretStore(ctx.stateDir, key.key);
  } catch (err) {
    problem(['secrets'], 'secrets.store', storeMessage(err));
    return undefined;
  }
  for (const secret of declared.filter((s) => s.source === 'store')) {
    try {
      const value = await store.get(project, secret.name);
      if (value === undefined) {
        // Removed between the two reads (spin secret rm during this pass): the same refusal.
        problem(['secrets', secret.name], 'secrets.missing', missingSecretMessage(project, secret.name));
        ok = false;
      } else values.set(secret.name, value);
    } catch (err) {
      problem(['secrets', secret.name], 'secrets.store', storeMessage(err));
      ok = false;
    }
  }
  if (!ok) return undefined;
  const digests = new Map<string, string>();
  for (const [name, value] of values) digests.set(name, store.digest(project, name, value));
  return { values, digests };
}

/** The content of every config a deployed service uses. */
async function readConfigs(
  model: StackModel,
  reader: FileReader,
  stackDir: string,
  problem: Problem,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const used = new Set(Object.values(model.services).flatMap((s) => (s.configs ?? []).map((m) => m.source)));
  for (const name of [...used].sort()) {
    const config = model.configs?.[name];
    if (!config) continue;
    if (config.content !== undefined) {
      out.set(name, Buffer.from(config.content, 'utf8'));
      continue;
    }
    const repoPath = repositoryPath(stackDir, config.file ?? '');
    const bytes = repoPath === undefined ? undefined : await reader.readFile(repoPath);
    if (!bytes || (config.digest !== undefined && sha256(bytes) !== config.digest)) {
      problem(
        ['configs', name, 'file'],
        'configs.missing-file',
        `"${config.file ?? ''}" is not a file in the repository at this commit`,
      );
      continue;
    }
    out.set(name, bytes);
  }
  return out;
}

function storeMessage(err: unknown): string {
  return err instanceof SecretStoreError ? err.message : `the secret store cannot be read: ${String(err)}`;
}

async function warnUnlessTmpfs(runtimeDir: string, log: Logger): Promise<void> {
  if (checkedRuntimeDirs.has(runtimeDir)) return;
  checkedRuntimeDirs.add(runtimeDir);
  await mkdir(runtimeDir, { recursive: true, mode: 0o755 });
  if ((await isMemoryFilesystem(runtimeDir)) === false) {
    log.warn(
      { runtimeDir },
      'the secrets runtime folder is not on a tmpfs, so secret values are written to disk; mount a tmpfs there (e.g. mount -t tmpfs -o mode=0755 tmpfs DIR) or set secrets.runtimeDir to one',
    );
  }
}

function missingSecretMessage(project: string, name: string): string {
  return `secret '${name}' has no value in Spin's secret store; set it with \`spin secret set ${project} ${name}\` (nothing is deployed until every secret the stack uses has a value)`;
}
