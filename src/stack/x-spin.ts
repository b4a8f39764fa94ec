import type { PathSegment } from './diagnostics.js';
import type { Report } from './findings.js';
import { isRecord } from './records.js';

/** The keys Spin reads from a service's `x-spin:` extension; other `x-` keys are the stack's own. */
const KEYS = ['imageUpdates'] as const;

/**
 * A service's `x-spin:` settings. `imageUpdates: digest` lets the service follow its tag: on the
 * daemon's image-update schedule the tag is resolved again and a moved digest rolled out without a
 * commit; `off` (the default) runs the digest resolved at deploy time until a commit changes it.
 */
export function xSpin(raw: unknown, at: readonly PathSegment[], report: Report): { imageUpdates?: 'digest' } {
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
  report(
    [...at, 'imageUpdates'],
    'stack.x-spin',
    'x-spin.imageUpdates must be digest (follow the tag: a re-pushed tag rolls out) or off',
  );
  return {};
}
