import { sortDiagnostics, type Diagnostic } from '../stack/diagnostics.js';
import { RuleContext, type PolicyInput } from './helpers.js';
import { RULE_GROUPS } from './rules.js';
import type { ResolvedPolicy } from './types.js';

/**
 * Every violation of `policy` in one stack, sorted by position. Pure: reads the interpolated
 * document for syntax and the model for normalised values, and touches nothing else.
 */
export function checkPolicy(input: PolicyInput, policy: ResolvedPolicy): Diagnostic[] {
  const ctx = new RuleContext(input, policy);
  for (const group of RULE_GROUPS) {
    if (policy[group.name].enabled) group.check(ctx);
  }
  const seen = new Set<string>();
  const unique = ctx.diagnostics.filter((d) => {
    const key = `${d.rule}\0${d.path}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return sortDiagnostics(unique);
}
