/**
 * Test inputs for the policy rules, built from YAML text through the real pipeline
 * (parseYaml -> interpolateDocument -> normalise), so positions and spellings are what users get.
 */
import { formatDiagnostic, type Diagnostic } from '../../../src/stack/diagnostics.js';
import { interpolateDocument } from '../../../src/stack/interpolate.js';
import { normalise } from '../../../src/stack/normalise.js';
import { parseYaml } from '../../../src/stack/parse.js';
import {
  checkPolicy,
  resolvePolicy,
  type PolicyInput,
  type PolicyObject,
  type ResolvedPolicy,
} from '../../../src/policy/index.js';

export interface StackOptions {
  env?: Record<string, string>;
  project?: string;
  stackDir?: string;
  file?: string;
  /**
   * For evasions the normaliser already refuses: check the policy on its own anyway, with an
   * empty model (the rules read the document), as a policy used without the loader would.
   */
  lenient?: boolean;
}

/** Strip the first newline and the common indentation, so line 1 is the first YAML line. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return `${lines.map((l) => l.slice(indent)).join('\n')}\n`;
}

export function stackInput(yaml: string, options: StackOptions = {}): PolicyInput {
  const project = options.project ?? 'demo';
  const parsed = parseYaml(options.file ?? 'compose.yaml', dedent(yaml));
  if (!parsed.doc)
    throw new Error(`test stack does not parse:\n${parsed.diagnostics.map(formatDiagnostic).join('\n')}`);
  const interpolated = interpolateDocument(parsed.doc, options.env ?? {});
  const errors = interpolated.diagnostics.filter((d) => d.rule !== 'interpolate.unset');
  if (errors.length > 0)
    throw new Error(`test stack does not interpolate:\n${errors.map(formatDiagnostic).join('\n')}`);
  const { model, diagnostics } = normalise(interpolated.doc.value, project);
  if (!model && !options.lenient) {
    throw new Error(`test stack does not normalise:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  const empty = { project, services: {}, networks: {}, volumes: {} };
  return { document: interpolated.doc, model: model ?? empty, project, stackDir: options.stackDir ?? '' };
}

/** The rule ids the normaliser reports for a stack (to show where it already refuses an evasion). */
export function normaliserRules(yaml: string, env: Record<string, string> = {}): string[] {
  const parsed = parseYaml('compose.yaml', dedent(yaml));
  if (!parsed.doc) return parsed.diagnostics.map((d) => d.rule);
  const { diagnostics } = normalise(interpolateDocument(parsed.doc, env).doc.value, 'demo');
  return [...new Set(diagnostics.map((d) => d.rule))].sort();
}

export function policy(settings: PolicyObject = {}): ResolvedPolicy {
  const resolved = resolvePolicy('test', { test: settings });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.policy;
}

const GROUPS = [
  'privilege',
  'namespaces',
  'mounts',
  'identity',
  'images',
  'network',
  'resources',
  'isolation',
  'logging',
] as const;

/** A policy with every rule group but `group` switched off, plus `settings`. */
export function only(group: (typeof GROUPS)[number], settings: PolicyObject = {}): ResolvedPolicy {
  const off: PolicyObject = Object.fromEntries(
    GROUPS.filter((g) => g !== group).map((g) => [g, { enabled: false }]),
  );
  return policy({ ...off, ...settings });
}

export function check(yaml: string, p: ResolvedPolicy, options: StackOptions = {}): Diagnostic[] {
  return checkPolicy(stackInput(yaml, options), p);
}

/** `LINE:RULE` for each diagnostic, in order. */
export function refusals(yaml: string, p: ResolvedPolicy, options: StackOptions = {}): string[] {
  return check(yaml, p, options).map((d) => `${d.line}:${d.rule}`);
}
