/**
 * The last gate over the size of a create body and of its labels. Env, Cmd, Labels, ExtraHosts
 * and the like are free text the engine stores with the object and hands back on every inspect;
 * labels also come back on every list call, which Spin makes for all projects at every pass,
 * so one project's 100 MB label would slow every project's reconcile.
 */
import { parseByteSize } from '../helpers.js';
import type { Findings } from './context.js';

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** The whole body, as JSON (what goes over the engine socket). */
export function judgeRequestSize(f: Findings, body: unknown): void {
  if (!f.enabled('resources')) return;
  const max = parseByteSize(f.policy.resources.maxRequestBytes);
  if (max === undefined) return;
  const size = byteLength(JSON.stringify(body) ?? '');
  if (size > max) {
    f.add(
      'resources.request-size',
      '(body)',
      `the create request is ${size} bytes, above the ceiling of ${String(f.policy.resources.maxRequestBytes)} (maxRequestBytes); move large values into a config or secret file`,
      ['environment'],
      ['command'],
      ['labels'],
    );
  }
}

/** Keys and values of a label map added up. */
export function judgeLabelSize(
  f: Findings,
  labels: Record<string, unknown>,
  field: (string | number)[],
): void {
  if (!f.enabled('resources')) return;
  const max = parseByteSize(f.policy.resources.maxLabelBytes);
  if (max === undefined) return;
  let size = 0;
  for (const [key, value] of Object.entries(labels)) size += byteLength(key) + byteLength(String(value));
  if (size > max) {
    f.add(
      'resources.request-size',
      'Labels',
      `labels add up to ${size} bytes, above the ceiling of ${String(f.policy.resources.maxLabelBytes)} (maxLabelBytes); keep labels short`,
      field,
    );
  }
}
