import type { Diagnostic } from './diagnostics.js';

/**
 * Diagnostic carries no severity field; a rule id decides it. Warnings (`ignored.*`,
 * `interpolate.unset`) never make a stack invalid; every other rule does.
 */
export type Severity = 'error' | 'warning';

export function severityOf(rule: string): Severity {
  return rule.startsWith('ignored.') || rule === 'interpolate.unset' ? 'warning' : 'error';
}

export function isWarning(diagnostic: Diagnostic): boolean {
  return severityOf(diagnostic.rule) === 'warning';
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => !isWarning(d));
}
