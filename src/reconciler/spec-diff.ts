import type { FileMountSpec, MountSpec, PortSpec, ServiceSpec } from '../stack/model.js';
import { canonicalJson } from '../util/canonical-json.js';

/**
 * What would change for each service, field by field, in Compose's words: `spin diff`, the API's
 * diff, the dashboard's plan view and reviewers' previews all say it with these functions.
 * Pure: two specs in, changes out. Independent of the planner: the plan decides *what* to do
 * from config hashes; this says *why*, from the specs the hashes were made of.
 */

/** One field that differs. `from`/`to` only for fields that cannot carry a secret (see SHOWN). */
export interface FieldChange {
  /** Compose's key: `image`, `environment.DB_HOST`, `volumes[/data]`, `limits.memory`, `secrets.db`. */
  field: string;
  change: 'added' | 'removed' | 'changed';
  from?: string;
  to?: string;
}

export type ServiceChange = 'create' | 'recreate' | 'scale' | 'remove' | 'none';

export interface ServiceDiff {
  service: string;
  change: ServiceChange;
  /** Containers running now and wanted (differ for `scale`, and may with the others). */
  replicas: { from: number; to: number };
  fields: FieldChange[];
  /** Why, when the fields alone do not say it (a new service, a secret's new value, ...). */
  reason?: string;
}

/** One side of a service: its spec and the digests of what it mounts (materialExtras). */
export interface ServiceSide {
  spec: ServiceSpec;
  /** `config:<name>` / `secret:<name>` -> digest, as the config hash covers them. */
  extra: Record<string, string>;
}

/** What runs of one service: the spec of the commit its containers carry, when that loads. */
export interface RunningService {
  /** undefined when the running commit cannot be loaded (say why in `unknownReason`). */
  side?: ServiceSide;
  unknownReason?: string;
  replicas: number;
  /** Config-hash labels of its containers. */
  hashes: string[];
}

export interface DesiredService {
  side: ServiceSide;
  replicas: number;
  hash: string;
}

/** Pure: every service that runs or is wanted, by name, and what would change for it. */
export function diffServices(
  running: Record<string, RunningService>,
  desired: Record<string, DesiredService>,
): ServiceDiff[] {
  const names = [...new Set([...Object.keys(running), ...Object.keys(desired)])].sort();
  return names.map((service) => diffOne(service, running[service], desired[service]));
}

function diffOne(service: string, now?: RunningService, want?: DesiredService): ServiceDiff {
  const replicas = { from: now?.replicas ?? 0, to: want?.replicas ?? 0 };
  if (!want) return { service, change: 'remove', replicas, fields: [], reason: 'no longer in the stack' };
  if (!now || now.replicas === 0)
    return { service, change: 'create', replicas, fields: [], reason: 'new service' };
  if (now.hashes.every((h) => h === want.hash)) {
    const change = replicas.from === replicas.to ? 'none' : 'scale';
    return { service, change, replicas, fields: [] };
  }
  if (!now.side) {
    const reason = `configuration changed (${now.unknownReason ?? 'the running commit cannot be read'})`;
    return { service, change: 'recreate', replicas, fields: [], reason };
  }
  const fields = diffSpecs(now.side, want.side);
  if (fields.length > 0) return { service, change: 'recreate', replicas, fields };
  // Same spec and file digests at both commits, yet other hashes: an input outside the commit.
  const reason = (want.side.spec.secrets ?? []).length
    ? "a secret's value changed since the containers were made (spin secret set, or a rotated key)"
    : 'the containers were made by another Spin version or under other policy defaults';
  return { service, change: 'recreate', replicas, fields, reason };
}

/**
 * Values shown in a change: settings that say how a container runs and cannot carry a secret.
 * Everything else (environment and label values, command, entrypoint, healthcheck, logging
 * options, ...) is named but not shown: those are where interpolated credentials end up.
 */
const SHOWN = new Set<keyof ServiceSpec>([
  'image',
  'restart',
  'user',
  'workingDir',
  'hostname',
  'domainname',
  'stopSignal',
  'stopGracePeriodSeconds',
  'init',
  'tty',
  'stdinOpen',
  'readOnly',
  'privileged',
  'capAdd',
  'capDrop',
  'securityOpt',
  'networkMode',
  'pid',
  'ipc',
  'shmSizeBytes',
  'dns',
  'dnsSearch',
  'extraHosts',
  'ulimits',
  'sysctls',
  'tmpfs',
]);

/** Fields with their own comparison below, or none: not a container's setting. */
const OWN = new Set<keyof ServiceSpec>([
  'name',
  'replicas',
  'dependsOn',
  'updateConfig',
  'environment',
  'labels',
  'ports',
  'mounts',
  'secrets',
  'configs',
  'networks',
  'limits',
  'reservations',
]);

/** Pure: the fields that differ between two sides of one service, in a stable order. */
export function diffSpecs(before: ServiceSide, after: ServiceSide): FieldChange[] {
  const a = before.spec;
  const b = after.spec;
  const changes: FieldChange[] = [];
  if (a.image !== b.image) changes.push({ field: 'image', change: 'changed', from: a.image, to: b.image });
  changes.push(...keysOnly('environment', a.environment, b.environment));
  changes.push(...keyed('ports', portMap(a.ports), portMap(b.ports), true));
  changes.push(...keyed('volumes', mountMap(a.mounts), mountMap(b.mounts), true));
  changes.push(...resources('limits', a.limits, b.limits));
  changes.push(...resources('reservations', a.reservations, b.reservations));
  changes.push(...fileMounts('configs', a.configs, b.configs, before.extra, after.extra));
  changes.push(...fileMounts('secrets', a.secrets, b.secrets, before.extra, after.extra));
  changes.push(...keyed('networks', networkMap(a), networkMap(b), true));
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort() as (keyof ServiceSpec)[];
  for (const key of keys) {
    if (OWN.has(key) || key === 'image') continue;
    const [x, y] = [a[key], b[key]];
    if (canonicalJson(x ?? null) === canonicalJson(y ?? null)) continue;
    const field = composeKey(key);
    const change = x === undefined ? 'added' : y === undefined ? 'removed' : 'changed';
    changes.push(SHOWN.has(key) ? { field, change, ...shown(x, y) } : { field, change });
  }
  changes.push(...keysOnly('labels', a.labels, b.labels));
  return changes;
}

/**
 * Pure: a change in one line, the same words everywhere: `image nginx:1.27 -> nginx:1.28`,
 * `environment.DB_HOST added`, `limits.memory 32 MiB -> 64 MiB`.
 */
export function describeChange(change: FieldChange): string {
  if (change.change === 'changed' && (change.from !== undefined || change.to !== undefined)) {
    return `${change.field} ${change.from ?? '-'} -> ${change.to ?? '-'}`;
  }
  const value = change.change === 'added' ? change.to : change.change === 'removed' ? change.from : undefined;
  return `${change.field} ${change.change}${value === undefined ? '' : ` (${value})`}`;
}

/** Pure: what happens to a service, without the why: `web: recreate, replicas 1 -> 2`. */
export function serviceHeadline(diff: ServiceDiff): string {
  const scale =
    diff.replicas.from !== diff.replicas.to ? `replicas ${diff.replicas.from} -> ${diff.replicas.to}` : '';
  if (diff.change === 'none') return `${diff.service}: no changes`;
  if (diff.change === 'scale') return `${diff.service}: scale ${scale}`;
  return `${diff.service}: ${diff.change}${scale ? `, ${scale}` : ''}`;
}

/** Pure: one service's diff in one line: `web: recreate (image a -> b; environment.X added)`. */
export function describeServiceDiff(diff: ServiceDiff): string {
  const why = diff.fields.length ? diff.fields.map(describeChange).join('; ') : (diff.reason ?? '');
  const headline = serviceHeadline(diff);
  return diff.change === 'none' || diff.change === 'scale' || !why ? headline : `${headline} (${why})`;
}

/** Pure: the services that change, named with their changed fields, short enough for a commit status. */
export function summariseDiff(diffs: ServiceDiff[], maxFields = 3): string {
  const changed = diffs.filter((d) => d.change !== 'none');
  if (changed.length === 0) return 'no changes';
  return changed
    .map((d) => {
      const names = d.fields.map((f) => f.field);
      const more = names.length > maxFields ? `, +${names.length - maxFields}` : '';
      const fields = names.length ? ` ${names.slice(0, maxFields).join(', ')}${more}` : '';
      return `${d.service} ${d.change}${fields}`;
    })
    .join('; ');
}

function keysOnly(prefix: string, a: Record<string, string>, b: Record<string, string>): FieldChange[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const changes: FieldChange[] = [];
  for (const key of keys) {
    const field = `${prefix}.${key}`;
    if (!(key in a)) changes.push({ field, change: 'added' });
    else if (!(key in b)) changes.push({ field, change: 'removed' });
    else if (a[key] !== b[key]) changes.push({ field, change: 'changed' });
  }
  return changes;
}

/** Items by key; each added, removed or changed item is one change (`ports[8080/tcp]`). */
function keyed(prefix: string, a: Map<string, string>, b: Map<string, string>, show: boolean): FieldChange[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const key of keys) {
    const [x, y] = [a.get(key), b.get(key)];
    if (x === y) continue;
    const field = `${prefix}[${key}]`;
    const change = x === undefined ? 'added' : y === undefined ? 'removed' : 'changed';
    changes.push(
      show
        ? { field, change, ...(x === undefined ? {} : { from: x }), ...(y === undefined ? {} : { to: y }) }
        : { field, change },
    );
  }
  return changes;
}

function portMap(ports: PortSpec[]): Map<string, string> {
  return new Map(
    ports.map((p) => {
      const host = `${p.hostIp ? `${p.hostIp}:` : ''}${p.published ?? ''}`;
      return [
        `${p.target}/${p.protocol}${host ? ` on ${host}` : ''}`,
        `${host ? `${host}:` : ''}${p.target}/${p.protocol}`,
      ];
    }),
  );
}

function mountMap(mounts: MountSpec[]): Map<string, string> {
  return new Map(
    mounts.map((m) => {
      if (m.type === 'tmpfs') return [m.target, `tmpfs${m.sizeBytes ? ` ${bytes(m.sizeBytes)}` : ''}`];
      const options = [m.readOnly ? 'ro' : 'rw', ...(m.type === 'volume' && m.nocopy ? ['nocopy'] : [])];
      return [m.target, `${m.type} ${m.source} (${options.join(',')})`];
    }),
  );
}

function networkMap(spec: ServiceSpec): Map<string, string> {
  return new Map(
    Object.entries(spec.networks).map(([key, n]) => [
      key,
      [
        n.aliases.length ? `aliases ${[...n.aliases].sort().join(',')}` : '',
        n.ipv4Address ?? '',
        n.ipv6Address ?? '',
      ]
        .filter(Boolean)
        .join(' ') || 'attached',
    ]),
  );
}

function resources(
  prefix: string,
  a: { memoryBytes?: number; nanoCpus?: number; pids?: number },
  b: { memoryBytes?: number; nanoCpus?: number; pids?: number },
): FieldChange[] {
  const rows: [string, number | undefined, number | undefined, (n: number) => string][] = [
    ['memory', a.memoryBytes, b.memoryBytes, bytes],
    ['cpus', a.nanoCpus, b.nanoCpus, (n) => String(n / 1e9)],
    ['pids', a.pids, b.pids, String],
  ];
  const changes: FieldChange[] = [];
  for (const [name, x, y, format] of rows) {
    if (x === y) continue;
    const change = x === undefined ? 'added' : y === undefined ? 'removed' : 'changed';
    changes.push({
      field: `${prefix}.${name}`,
      change,
      ...(x === undefined ? {} : { from: format(x) }),
      ...(y === undefined ? {} : { to: format(y) }),
    });
  }
  return changes;
}

/**
 * Secret and config mounts by name: where and how each is mounted, and its digest. A config's
 * digest is of a file in the repository (shown short); a secret's is never shown, only that
 * its value differs.
 */
function fileMounts(
  kind: 'configs' | 'secrets',
  a: FileMountSpec[] | undefined,
  b: FileMountSpec[] | undefined,
  extraA: Record<string, string>,
  extraB: Record<string, string>,
): FieldChange[] {
  const mount = (m: FileMountSpec) => `${m.target} (${m.uid}:${m.gid}, 0${m.mode.toString(8)})`;
  const before = new Map((a ?? []).map((m) => [m.source, mount(m)]));
  const after = new Map((b ?? []).map((m) => [m.source, mount(m)]));
  const changes = keyed(kind, before, after, true);
  const extraKey = kind === 'configs' ? 'config' : 'secret';
  for (const name of [...after.keys()].filter((n) => before.has(n)).sort()) {
    const [x, y] = [extraA[`${extraKey}:${name}`], extraB[`${extraKey}:${name}`]];
    if (x === undefined || y === undefined || x === y) continue;
    const what = kind === 'configs' ? 'content' : 'value';
    changes.push({
      field: `${kind}.${name}.${what}`,
      change: 'changed',
      ...(kind === 'configs' ? { from: `sha256:${x.slice(0, 12)}`, to: `sha256:${y.slice(0, 12)}` } : {}),
    });
  }
  return changes;
}

function shown(x: unknown, y: unknown): { from?: string; to?: string } {
  return {
    ...(x === undefined ? {} : { from: valueText(x) }),
    ...(y === undefined ? {} : { to: valueText(y) }),
  };
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return `[${value.join(', ')}]`;
  return canonicalJson(value);
}

/** `stopGracePeriodSeconds` -> `stop_grace_period`: the key a researcher wrote. */
export function composeKey(key: string): string {
  return key.replace(/(Bytes|Seconds)$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function bytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} B`;
}
