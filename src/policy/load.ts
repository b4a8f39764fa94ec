/** A standalone policy file for `spin validate --policy FILE` (YAML or JSON, same format). */
import { readFile } from 'node:fs/promises';
import type { Diagnostic } from '../stack/diagnostics.js';
import { parseYaml } from '../stack/parse.js';
import { BUILTIN_DEFAULT_POLICY_NAME } from './defaults.js';
import { resolvePolicy } from './resolve.js';
import type { PolicyObject, ResolvedPolicy } from './types.js';
import { validatePolicyObject } from './validate.js';

export type LoadPolicyResult =
  { ok: true; policy: ResolvedPolicy } | { ok: false; diagnostics: Diagnostic[] };

export async function loadPolicyFile(path: string): Promise<LoadPolicyResult> {
  const fail = (rule: string, message: string, line = 0, column = 0, at = ''): LoadPolicyResult => ({
    ok: false,
    diagnostics: [{ file: path, line, column, rule, message, path: at }],
  });
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    return fail(
      'policy.io',
      `cannot read the policy file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = parseYaml(path, source);
  if (!parsed.doc) return { ok: false, diagnostics: parsed.diagnostics };
  const doc = parsed.doc;
  const problems = validatePolicyObject(doc.value, path, { locate: (p) => doc.locate(p) });
  if (problems.length > 0) return { ok: false, diagnostics: problems };
  const parent = (doc.value as PolicyObject).extends;
  if (parent !== undefined && parent !== BUILTIN_DEFAULT_POLICY_NAME) {
    const { line, column } = doc.locate(['extends']);
    return fail(
      'policy.extends',
      `a policy file can only extend ${BUILTIN_DEFAULT_POLICY_NAME}; "${parent}" is a named policy of the daemon config`,
      line,
      column,
      'extends',
    );
  }
  const resolved = resolvePolicy(path, { [path]: doc.value });
  return resolved.ok ? resolved : fail('policy.invalid', resolved.error);
}
