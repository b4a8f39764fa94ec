/** Named policies: follow `extends` down to `spin-default` and merge each layer over it. */
import { BUILTIN_DEFAULT_POLICY, BUILTIN_DEFAULT_POLICY_NAME } from './defaults.js';
import { isRecord } from './helpers.js';
import type { PolicyObject, ResolvedPolicy } from './types.js';
import { validatePolicyObject } from './validate.js';

export type ResolveResult = { ok: true; policy: ResolvedPolicy } | { ok: false; error: string };

const NOT_SETTINGS = new Set([
  'extends',
  'description',
  'name',
  'chain',
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * Resolve `name` (default `spin-default`) among the operator's named policies. Unknown names,
 * `extends` cycles and invalid policy objects are errors; nothing is guessed.
 */
export function resolvePolicy(name: string | undefined, policies: Record<string, unknown>): ResolveResult {
  const start = name ?? BUILTIN_DEFAULT_POLICY_NAME;
  if (Object.hasOwn(policies, BUILTIN_DEFAULT_POLICY_NAME)) {
    return fail(
      `"${BUILTIN_DEFAULT_POLICY_NAME}" is built in and cannot be redefined; give your policy another name`,
    );
  }
  const chain: string[] = [];
  const layers: Record<string, unknown>[] = [];
  let current = start;
  while (current !== BUILTIN_DEFAULT_POLICY_NAME) {
    if (chain.includes(current))
      return fail(`policy "${start}" has an extends cycle: ${[...chain, current].join(' -> ')}`);
    if (!Object.hasOwn(policies, current)) {
      const known = Object.keys(policies).sort().join(', ') || 'none';
      return fail(
        chain.length === 0
          ? `unknown policy "${current}" (defined: ${known}, and ${BUILTIN_DEFAULT_POLICY_NAME})`
          : `policy "${chain[chain.length - 1]}" extends unknown policy "${current}"`,
      );
    }
    const raw = policies[current] ?? {};
    const problems = validatePolicyObject(raw, 'policies', { pathPrefix: [current] });
    if (problems.length > 0) {
      return fail(
        `policy "${current}" is invalid: ${problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      );
    }
    chain.push(current);
    layers.push(raw as Record<string, unknown>);
    current = (raw as PolicyObject).extends ?? BUILTIN_DEFAULT_POLICY_NAME;
  }
  chain.push(BUILTIN_DEFAULT_POLICY_NAME);
  let merged = clone(BUILTIN_DEFAULT_POLICY) as unknown as Record<string, unknown>;
  for (const layer of layers.reverse()) merged = merge(merged, layer);
  return { ok: true, policy: { ...(merged as unknown as ResolvedPolicy), name: start, chain } };
}

function fail(error: string): ResolveResult {
  return { ok: false, error };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Mappings that are allow lists or one value as a whole: a policy that sets them replaces them,
 * like a list (so an operator can leave a built-in ulimit out, and a default log config never
 * keeps an option of the built-in one).
 */
const WHOLE_VALUES = new Set(['privilege.ulimits', 'logging.options', 'logging.default']);

/** Objects merge key by key; lists, scalars and WHOLE_VALUES replace. */
function merge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  at = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (NOT_SETTINGS.has(key) || value === undefined) continue;
    const current = out[key];
    const path = at === '' ? key : `${at}.${key}`;
    out[key] =
      isRecord(current) && isRecord(value) && !WHOLE_VALUES.has(path)
        ? merge(current, value, path)
        : clone(value);
  }
  return out;
}
