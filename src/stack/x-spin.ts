import type { PathSegment } from './diagnostics.js';
import type { Report } from './findings.js';
import type { ImageUpdateMode } from './model.js';
import { isRecord } from './records.js';
import { parseRange } from '../util/semver.js';

/** The keys Spin reads from a service's `x-spin:` extension; other `x-` keys are the stack's own. */
const KEYS = ['imageUpdates'] as const;

const UPDATES_HINT =
  'x-spin.imageUpdates must be digest (follow the tag: a re-pushed tag rolls out), { semver: "~1.4" } (commit the highest matching tag) or off';

/**
 * A service's `x-spin:` settings. `imageUpdates: digest` lets the service follow its tag: on the
 * daemon's image-update schedule the tag is resolved again and a moved digest rolled out without a
 * commit. `imageUpdates: { semver: RANGE }` follows a semver range among the registry's tags: a
 * newer matching tag becomes a commit to the stack repository, deployed through the gate like any
 * other. `off` (the default) runs the digest resolved at deploy time until a commit changes it.
 */
export function xSpin(
  raw: unknown,
  at: readonly PathSegment[],
  report: Report,
): { imageUpdates?: ImageUpdateMode } {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    report(at, 'stack.x-spin', 'x-spin must be a mapping, e.g. x-spin: { imageUpdates: digest }');
    return {};
  }
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      report([...at, key], 'stack.x-spin', `unknown key '${key}' in x-spin; Spin reads: ${KEYS.join(', ')}`);
    }
  }
  const updates = raw.imageUpdates;
  if (updates === undefined || updates === 'off') return {};
  if (updates === 'digest') return { imageUpdates: 'digest' };
  if (isRecord(updates) && Object.keys(updates).length === 1 && 'semver' in updates) {
    const range = updates.semver;
    if (typeof range === 'string' && parseRange(range)) return { imageUpdates: { semver: range.trim() } };
    report(
      [...at, 'imageUpdates', 'semver'],
      'stack.x-spin',
      `'${String(range)}' is not a semver range Spin reads: use ~1.4, ^1.4, 1.x, >=1.4 <2 or 1.4.2`,
    );
    return {};
  }
  report([...at, 'imageUpdates'], 'stack.x-spin', UPDATES_HINT);
  return {};
}
