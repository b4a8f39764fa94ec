import path from 'node:path';
import { unsupportedFeatures } from '../drivers/capabilities.js';
import type { EngineRules } from '../drivers/driver.js';
import { locateFinding, type AdmissionFinding } from '../policy/admission/index.js';
import { applyPolicyDefaults } from '../policy/apply-defaults.js';
import { formatPath, sortDiagnostics, type Diagnostic, type PathSegment } from '../stack/diagnostics.js';
import type { Source } from '../stack/findings.js';
import type { LocatedDocument } from '../stack/source.js';
import type { FileReader } from '../stack/source.js';
import { checkBindFileSizes } from '../stack/bind-file-sizes.js';
import { loadStack } from '../stack/load.js';
import { parseSizeBytes } from '../util/units.js';
import { usesSecretOrConfigFiles } from '../stack/secrets.js';
import type { ServiceSpec, StackModel } from '../stack/model.js';
import { checkPolicy, type ResolvedPolicy } from '../policy/index.js';
import { serviceConfigHash } from './hash.js';
import type { DesiredState } from './plan.js';

export interface DesiredInput {
  project: string;
  env: Record<string, string>;
  /** Folder of the stack file in the repository, POSIX, '' for the root. */
  stackDir: string;
  policy: ResolvedPolicy;
  /** Stack file name inside stackDir; undefined searches the usual names (compose.yaml, ...). */
  file?: string;
  /** The configured engine's capabilities and last gate (src/drivers/create-driver.ts). */
  engine: EngineRules;
}

export type DesiredResult =
  | {
      ok: true;
      desired: DesiredState;
      warnings: Diagnostic[];
      /** The stack file and positions in it, to locate problems found after loading (secrets). */
      source?: Source;
    }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * The commit gate's load step: load (parse, interpolate, schema, normalise, repository files),
 * then policy, then what the engine cannot do, then hash, then the last gate over the rendered
 * requests. The gate
 * (`gate.ts`) calls it for the daemon and for `spin validate` alike, so a laptop sees what the
 * daemon sees. A pure function of the commit: secret values are not read here (the gate adds
 * their digests on every pass, from src/secrets/deliver.ts), config digests are.
 */
export async function loadDesired(
  reader: FileReader,
  commit: string,
  input: DesiredInput,
): Promise<DesiredResult> {
  const loaded = await loadStack(reader, {
    project: input.project,
    env: input.env,
    dir: input.stackDir,
    file: input.file,
  });
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  // Filled before anything judges or hashes it, so the hash covers what the engine gets.
  const model = applyPolicyDefaults(loaded.model, input.policy);
  const violations = checkPolicy(
    { document: loaded.document, model, project: input.project, stackDir: input.stackDir },
    input.policy,
  );
  if (violations.length > 0) return { ok: false, diagnostics: violations };
  const unsupported = unsupportedFeatures(model, input.engine.capabilities).map((f) =>
    locateAt(loaded.document, f.path, f.rule, f.message),
  );
  if (unsupported.length > 0) return { ok: false, diagnostics: sortDiagnostics(unsupported) };
  const tooLarge = await checkBindFileSizes(
    reader,
    loaded.model,
    input.stackDir,
    parseSizeBytes(input.policy.mounts.maxRepositoryFileBytes) ?? 0,
    loaded.document,
  );
  if (tooLarge.length > 0) return { ok: false, diagnostics: tooLarge };
  const hashes: Record<string, string> = {};
  for (const [name, spec] of Object.entries(model.services)) {
    hashes[name] = serviceConfigHash(input.project, spec, materialExtras(model, spec));
  }
  const refused = gateRequests(model, commit, hashes, input).map((f) => locateFinding(f, loaded.document));
  if (refused.length > 0) return { ok: false, diagnostics: sortDiagnostics(dedupe(refused)) };
  // Positions are only needed to locate secret and config problems found later; the parsed
  // document behind them is most of a cached commit's memory, so other stacks do not keep it.
  return {
    ok: true,
    desired: { model, commit, hashes },
    warnings: loaded.diagnostics,
    source: usesSecretOrConfigFiles(model)
      ? { file: loaded.document.file, locate: loaded.document.locate }
      : undefined,
  };
}

/**
 * Where relative bind sources would be copied when the commit is applied; the gate only needs
 * the shape (an absolute path under a folder Spin owns), so a fixed placeholder root stands in for
 * `<stateDir>/checkouts/<project>/<commit>` here and the driver judges the real path again.
 */
const PLACEHOLDER_CHECKOUT = '/spin-checkout';

/**
 * The last gate at commit time: every create body the commit would send, rendered by the
 * engine's own pure render, judged.
 */
function gateRequests(
  model: StackModel,
  commit: string,
  hashes: Record<string, string>,
  input: DesiredInput,
): AdmissionFinding[] {
  const root = path.posix.join(PLACEHOLDER_CHECKOUT, model.project, commit);
  return input.engine.admitCommit(
    { model, commit, hashes },
    (source) =>
      path.posix.isAbsolute(source) ? source : path.posix.join(root, path.posix.join(input.stackDir, source)),
    input.engine.admissionContext(model, input.policy, [root]),
  );
}

/** A finding at `at` in the stack, or at the nearest enclosing entry that is written there. */
function locateAt(document: LocatedDocument, at: PathSegment[], rule: string, message: string): Diagnostic {
  let found = at;
  while (found.length > 0 && !exists(document.value, found)) found = found.slice(0, -1);
  const { line, column } = document.locate(found);
  return { file: document.file, line, column, rule, message, path: formatPath(at) };
}

function exists(value: unknown, at: PathSegment[]): boolean {
  let node = value;
  for (const segment of at) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[segment];
    if (node === undefined) return false;
  }
  return true;
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.rule}\0${d.path}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The config hash's `extra` for a service: `config:<name>` -> sha256 of the config's content and,
 * when known, `secret:<name>` -> the keyed digest of the secret's value (never the value). So a
 * changed config file or a rotated secret recreates exactly the services that use it. Empty for
 * a service that uses neither, which keeps its hash what it always was.
 */
export function materialExtras(
  model: StackModel,
  spec: ServiceSpec,
  secretDigests?: ReadonlyMap<string, string>,
): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const mount of spec.configs ?? []) {
    const digest = model.configs?.[mount.source]?.digest;
    if (digest !== undefined) extra[`config:${mount.source}`] = digest;
  }
  for (const mount of spec.secrets ?? []) {
    const digest = secretDigests?.get(mount.source);
    if (digest !== undefined) extra[`secret:${mount.source}`] = digest;
  }
  return extra;
}
