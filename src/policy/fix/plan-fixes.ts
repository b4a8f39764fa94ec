/**
 * `spin validate --fix`, the pure part: from a stack file's text and the gate's findings, the
 * edits that add the hardening the policy asks for and nothing else. Only findings with one
 * safe answer are fixed (a missing `cap_drop: [ALL]`, `no-new-privileges`, limits, `:ro` on a
 * repository bind, a digest the engine already holds); anything that would take something away
 * from the stack (`privileged: true`, a capability, a port) is left for a person, with a reason.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import type { Diagnostic } from '../../stack/diagnostics.js';
import {
  addKeyEdit,
  appendItemEdit,
  applyEdits,
  indentStep,
  ownKey,
  replaceScalarEdit,
  type TextEdit,
  type YamlValue,
} from '../../stack/yaml-edit.js';
import type { ResolvedPolicy } from '../types.js';

/** The rules `--fix` can answer; every other rule is for a person. */
export const FIXABLE_RULES: readonly string[] = [
  'privilege.cap-drop-all',
  'privilege.no-new-privileges',
  'resources.limits-required',
  'mounts.repo-writable',
  'image.latest',
  'image.tag-required',
];

export interface FixInput {
  /** The stack file's name, as the findings name it. */
  file: string;
  text: string;
  /** The gate's errors for this text (warnings are not fixed). */
  findings: readonly Diagnostic[];
  policy: ResolvedPolicy;
  /**
   * Registry digests the engine holds, by image reference as written; undefined when the engine
   * was not asked (not reachable, or `--no-engine`), so images are left alone and said so.
   */
  digests: ReadonlyMap<string, string> | undefined;
}

/** One change made, in words for the report (`--json` too). */
export interface AppliedFix {
  rule: string;
  service: string;
  change: string;
}

/** A finding `--fix` looked at and left alone, and why (located at the finding). */
export interface SkippedFix {
  finding: Diagnostic;
  reason: string;
}

export interface FixPlan {
  text: string;
  applied: AppliedFix[];
  skipped: SkippedFix[];
}

type Outcome = { edit: TextEdit; change: string } | { reason: string };

/** Pure: the fixed text, what changed, and what was left for a person. Never throws on a stack. */
export function planFixes(input: FixInput): FixPlan {
  if (!input.findings.some((finding) => FIXABLE_RULES.includes(finding.rule)))
    return { text: input.text, applied: [], skipped: [] };
  const doc = parseDocument(input.text, { merge: true, uniqueKeys: false });
  const merged = toPlain(doc);
  const services = doc.getIn(['services'], true);
  const applied: AppliedFix[] = [];
  const skipped: SkippedFix[] = [];
  const edits: TextEdit[] = [];
  const done = new Set<string>();
  for (const finding of input.findings) {
    if (!FIXABLE_RULES.includes(finding.rule)) continue;
    const service = isMap(services) ? serviceOf(services, finding.path) : undefined;
    if (finding.file !== input.file || service === undefined) {
      skipped.push({ finding, reason: 'it is not in a service of this file; change it by hand' });
      continue;
    }
    // The last gate reports some rules again for the request: one fix per rule, service and place.
    const key = `${finding.rule}\0${service}\0${finding.rule.startsWith('mounts.') ? finding.path : ''}`;
    if (done.has(key)) continue;
    done.add(key);
    const ctx: ServiceContext = { input, doc, merged, name: service };
    const outcome = fixOne(ctx, finding);
    if ('reason' in outcome) skipped.push({ finding, reason: outcome.reason });
    else {
      edits.push(outcome.edit);
      applied.push({ rule: finding.rule, service, change: outcome.change });
    }
  }
  return { text: applyEdits(input.text, edits), applied, skipped };
}

/** The images, as written, whose findings a digest would answer: what to ask the engine about. */
export function imagesToPin(text: string, findings: readonly Diagnostic[]): string[] {
  const doc = parseDocument(text, { merge: true, uniqueKeys: false });
  const services = doc.getIn(['services'], true);
  if (!isMap(services)) return [];
  const refs = new Set<string>();
  for (const finding of findings) {
    if (finding.rule !== 'image.latest' && finding.rule !== 'image.tag-required') continue;
    const name = serviceOf(services, finding.path);
    const node = name === undefined ? undefined : doc.getIn(['services', name, 'image'], true);
    if (isScalar(node) && typeof node.value === 'string' && !node.value.includes('$'))
      refs.add(node.value.trim());
  }
  return [...refs];
}

interface ServiceContext {
  input: FixInput;
  doc: Document;
  /** The document as plain data with merge keys resolved (what the service really holds). */
  merged: Record<string, unknown>;
  name: string;
}

function fixOne(ctx: ServiceContext, finding: Diagnostic): Outcome {
  const map = ctx.doc.getIn(['services', ctx.name], true);
  if (!isMap(map)) return { reason: `service "${ctx.name}" is not a mapping here; change it by hand` };
  switch (finding.rule) {
    case 'privilege.cap-drop-all':
      return addToList(ctx, map, 'cap_drop', 'ALL');
    case 'privilege.no-new-privileges':
      return addToList(ctx, map, 'security_opt', 'no-new-privileges:true');
    case 'resources.limits-required':
      return addLimits(ctx, map);
    case 'mounts.repo-writable':
      return readOnlyBind(ctx, finding);
    default:
      return pinImage(ctx, map);
  }
}

/** `key: [item]` when the service has no such key, else the item appended to its own list. */
function addToList(ctx: ServiceContext, map: YAMLMap, key: string, item: string): Outcome {
  const text = ctx.input.text;
  if (!ownKey(map, key)) {
    if (serviceValue(ctx, key) !== undefined)
      return { reason: `${key} comes from a merged anchor (<<); add ${item} to it there` };
    return { edit: addKeyEdit(text, map, key, [item], step(ctx)), change: `added ${key}: [${item}]` };
  }
  const list = map.get(key, true);
  if (!isSeq(list)) return { reason: `${key} is not a list; write it as a list with ${item}` };
  const prefix = item.split(':')[0] ?? item;
  if (list.items.some((i) => isScalar(i) && String(i.value).trim().startsWith(prefix)))
    return { reason: `${key} already sets ${prefix} another way; change that entry by hand` };
  return { edit: appendItemEdit(text, list, item), change: `added ${item} to ${key}` };
}

/** The suggested memory and CPU limits (and the default pids limit), where the service keeps limits. */
function addLimits(ctx: ServiceContext, map: YAMLMap): Outcome {
  const { policy, text } = ctx.input;
  const memory = policy.resources.suggestedMemory;
  const cpus = String(policy.resources.suggestedCpus);
  const raw = asRecord(serviceValue(ctx, undefined));
  const limits = asRecord(asRecord(asRecord(raw.deploy).resources).limits);
  const hasMemory = limits.memory !== undefined || raw.mem_limit !== undefined;
  const hasCpus = limits.cpus !== undefined || raw.cpus !== undefined;
  // A service that already writes the legacy keys keeps that style (Compose refuses both at once).
  if (ownKey(map, 'mem_limit') || ownKey(map, 'cpus')) {
    const missing = !hasMemory ? ['mem_limit', memory] : !hasCpus ? ['cpus', cpus] : undefined;
    if (!missing) return { reason: 'the limits are set in a way --fix does not read; set them by hand' };
    const [key, value] = missing as [string, string | number];
    return { edit: addKeyEdit(text, map, key, value, step(ctx)), change: `added ${key}: ${value}` };
  }
  const wanted: Record<string, YamlValue> = {};
  if (!hasMemory) wanted.memory = memory;
  if (!hasCpus) wanted.cpus = cpus;
  if (Object.keys(limits).length === 0 && raw.pids_limit === undefined)
    wanted.pids = policy.resources.defaultPidsLimit;
  const change = `added deploy.resources.limits ${Object.entries(wanted)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}`;
  let parent: YAMLMap = map;
  let rest: YamlValue = { deploy: { resources: { limits: wanted } } };
  for (const key of ['deploy', 'resources', 'limits']) {
    const next = asRecord(rest)[key] as YamlValue;
    if (!ownKey(parent, key)) {
      if (parent === map && raw[key] !== undefined)
        return { reason: `${key} comes from a merged anchor (<<); add the limits there` };
      return { edit: addKeyEdit(text, parent, key, next, step(ctx)), change };
    }
    const child = parent.get(key, true);
    if (!isMap(child)) return { reason: `${key} is not a mapping; set the limits by hand` };
    parent = child;
    rest = next;
  }
  // limits exists: add each missing entry (one edit: they share the insertion point).
  const entries = Object.entries(asRecord(rest) as Record<string, YamlValue>);
  const edits = entries.map(([k, v]) => addKeyEdit(text, parent, k, v, step(ctx)));
  return { edit: mergeInsertions(edits), change };
}

/** `SRC:DST` → `SRC:DST:ro`, `:rw` → `:ro`; long syntax gets `read_only: true`. */
function readOnlyBind(ctx: ServiceContext, finding: Diagnostic): Outcome {
  const text = ctx.input.text;
  const parts = finding.path.split('.');
  const index = parts.indexOf('volumes');
  const at = parts.slice(0, index + 2).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const node = ctx.doc.getIn(at, true);
  if (isScalar(node) && typeof node.value === 'string') {
    const short = node.value;
    if (short.includes('$')) return { reason: 'the bind is interpolated; add ":ro" by hand' };
    const fields = short.split(':');
    let next: string | undefined;
    if (fields.length === 2) next = `${short}:ro`;
    else if (fields.length === 3) {
      const options = (fields[2] ?? '').split(',').filter((o) => o !== 'rw' && o !== 'ro');
      next = `${fields[0]}:${fields[1]}:${['ro', ...options].join(',')}`;
    }
    if (!next) return { reason: 'the bind is not SRC:DST[:OPTIONS]; add ":ro" by hand' };
    return { edit: replaceScalarEdit(text, node, next), change: `made the bind "${short}" read-only` };
  }
  if (isMap(node)) {
    if (ownKey(node, 'read_only'))
      return { reason: 'read_only is set to false on purpose? change it by hand' };
    return {
      edit: addKeyEdit(text, node, 'read_only', true, step(ctx)),
      change: 'added read_only: true to a bind',
    };
  }
  return { reason: 'the bind is not written here; make it read-only by hand' };
}

/** `name:tag` → `name:tag@sha256:…` with the digest the engine holds for that repository. */
function pinImage(ctx: ServiceContext, map: YAMLMap): Outcome {
  const node = map.get('image', true);
  if (!isScalar(node) || typeof node.value !== 'string')
    return { reason: 'the image is not written in this service; pin it by hand' };
  const ref = node.value.trim();
  if (ref.includes('$')) return { reason: 'the image is interpolated; pin a version in the variable' };
  const digests = ctx.input.digests;
  if (!digests)
    return {
      reason:
        'the engine was not asked (not reachable or --no-engine), so no digest is known; pin a version tag',
    };
  const digest = digests.get(ref);
  if (!digest)
    return {
      reason: `the engine holds no registry digest for "${ref}" (not pulled, or built here); pin a version tag or pull it first`,
    };
  return {
    edit: replaceScalarEdit(ctx.input.text, node, `${ref}@${digest}`),
    change: `pinned ${ref} to ${digest}`,
  };
}

/** The service's value at `key` with merge keys resolved (the whole service for undefined). */
function serviceValue(ctx: ServiceContext, key: string | undefined): unknown {
  const service = asRecord(asRecord(ctx.merged.services)[ctx.name]);
  return key === undefined ? service : service[key];
}

function step(ctx: ServiceContext): number {
  const root = ctx.doc.contents;
  return isMap(root) ? indentStep(ctx.input.text, root) : 2;
}

/** Two insertions at one offset, as one edit in order. */
function mergeInsertions(edits: TextEdit[]): TextEdit {
  const first = edits[0] ?? { offset: 0, length: 0, text: '' };
  return { ...first, text: edits.map((e) => e.text).join('') };
}

/** `services.NAME…` → NAME, matching the longest service name (names may hold dots). */
function serviceOf(services: YAMLMap, path: string): string | undefined {
  let best: string | undefined;
  for (const pair of services.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (name === undefined) continue;
    const prefix = `services.${name}`;
    if ((path === prefix || path.startsWith(`${prefix}.`)) && name.length > (best?.length ?? -1)) best = name;
  }
  return best;
}

function toPlain(doc: Document): Record<string, unknown> {
  try {
    return asRecord(doc.toJS({ maxAliasCount: 100 }));
  } catch {
    return {};
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
