import type { Diagnostic } from '../stack/diagnostics.js';
import type { FileReader } from '../stack/source.js';
import { loadStack } from '../stack/load.js';
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
}

export type DesiredResult =
  { ok: true; desired: DesiredState; warnings: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * The gate every commit passes: load (parse, interpolate, schema, normalise), then policy, then
 * hash. The daemon and `spin validate` both call this, so a laptop sees what the daemon sees.
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
  const violations = checkPolicy(
    { document: loaded.document, model: loaded.model, project: input.project, stackDir: input.stackDir },
    input.policy,
  );
  if (violations.length > 0) return { ok: false, diagnostics: violations };
  const hashes: Record<string, string> = {};
  for (const [name, spec] of Object.entries(loaded.model.services)) {
    hashes[name] = serviceConfigHash(input.project, spec);
  }
  return { ok: true, desired: { model: loaded.model, commit, hashes }, warnings: loaded.diagnostics };
}
