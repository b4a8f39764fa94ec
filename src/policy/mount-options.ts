/**
 * Mount options as the engine hands them to mount(2), read the one way both the YAML rules and
 * the last gate use: a volume's `driver_opts` (type, device, o) and a tmpfs's option list.
 * Docker's local driver splits `o` on `,` and looks each part up exactly (case and spaces
 * matter: `BIND` is not the bind flag, ` size=1m` is not `size`), so an allow list compared
 * exactly, part by part, refuses every spelling the kernel might read as something else.
 */
import { expandTemplate, isUnder, normaliseHostPath } from './helpers.js';
import type { MountsPolicy } from './types.js';

export interface MountOption {
  name: string;
  value?: string;
}

/** `size=64m,mode=1777,noexec` -> parts in order; duplicates kept (the kernel takes the last). */
export function parseMountOptions(o: string): MountOption[] {
  if (o === '') return [];
  return o.split(',').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? { name: part } : { name: part.slice(0, eq), value: part.slice(eq + 1) };
  });
}

/** Values each tmpfs option takes; a flag (`noexec`) takes none. */
const TMPFS_VALUES: Record<string, RegExp | null> = {
  size: /^\d+[kmgtpe%]?$/i,
  mode: /^[0-7]{1,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  nr_inodes: /^\d+[kmg]?$/i,
  noexec: null,
  nosuid: null,
  nodev: null,
  exec: null,
  ro: null,
  rw: null,
};

/** Problems with a tmpfs option list, as messages; empty when every part is allowed. */
export function tmpfsOptionProblems(options: readonly MountOption[], allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const { name, value } of options) {
    const shown = value === undefined ? name : `${name}=${value}`;
    if (!allowed.includes(name) || !(name in TMPFS_VALUES)) {
      problems.push(`tmpfs option "${shown}" is not allowed (allowed: ${allowed.join(', ') || 'none'})`);
      continue;
    }
    const pattern = TMPFS_VALUES[name];
    if (pattern === null ? value !== undefined : value === undefined || !pattern?.test(value))
      problems.push(
        `tmpfs option "${shown}" has ${pattern === null ? 'a value it does not take' : 'no valid value'}`,
      );
  }
  return problems;
}

/** The `driver_opts` keys Docker's local driver reads; anything else is refused. */
const VOLUME_OPTION_KEYS = ['type', 'device', 'o'];
/** Flags that make mount(2) ignore the filesystem type and mount a host path instead. */
const HOST_BIND_FLAGS = new Set(['bind', 'rbind', 'remount', 'move']);

export interface VolumeOptionProblem {
  /** The driver_opts key the problem is about. */
  key: string;
  rule: 'mounts.volume-options' | 'mounts.bind-root';
  message: string;
}

/**
 * A top-level volume's `driver_opts`, judged as the engine will use them. A `tmpfs` volume may
 * only shape its tmpfs (`device` absent or `tmpfs`); any other type must be allowed by the
 * operator and never carries bind flags. A `device` that is a host path is left to the caller's
 * host-path rules (returned as `hostDevice`).
 */
export function volumeOptionProblems(
  opts: Readonly<Record<string, string>>,
  policy: MountsPolicy,
): { problems: VolumeOptionProblem[]; hostDevice?: string } {
  const problems: VolumeOptionProblem[] = [];
  const keys = Object.keys(opts);
  for (const key of keys) {
    if (!VOLUME_OPTION_KEYS.includes(key)) {
      problems.push({
        key,
        rule: 'mounts.volume-options',
        message: `driver_opts "${key}" is not allowed; only type, device and o are read (and only for a tmpfs by default)`,
      });
    }
  }
  if (keys.length === 0) return { problems };
  const type = opts.type;
  if (type === undefined || !policy.volumeTypes.includes(type)) {
    problems.push({
      key: type === undefined ? (keys[0] ?? 'type') : 'type',
      rule: 'mounts.volume-options',
      message: `driver_opts type ${type === undefined ? '(missing)' : `"${type}"`} is not allowed; remove driver_opts for a plain volume (allowed types: ${policy.volumeTypes.join(', ') || 'none'})`,
    });
    return { problems };
  }
  const options = opts.o === undefined ? [] : parseMountOptions(opts.o);
  if (type === 'tmpfs') {
    if (opts.device !== undefined && opts.device !== 'tmpfs') {
      problems.push({
        key: 'device',
        rule: 'mounts.bind-root',
        message: `a tmpfs volume's device must be "tmpfs" (or absent), not "${opts.device}"; the kernel would mount that path from the host`,
      });
    }
    for (const message of tmpfsOptionProblems(options, policy.tmpfsOptions))
      problems.push({ key: 'o', rule: 'mounts.volume-options', message });
    return { problems };
  }
  for (const { name } of options) {
    if (HOST_BIND_FLAGS.has(name.trim().toLowerCase())) {
      problems.push({
        key: 'o',
        rule: 'mounts.bind-root',
        message: `mount option "${name}" mounts a host path into the volume; remove it`,
      });
    }
  }
  return { problems, hostDevice: opts.device };
}

/** Host folders a bind may come from: the operator's allowed roots, expanded for the project. */
export function expandRoots(roots: readonly string[], project: string): string[] {
  return roots.map((r) => normaliseHostPath(expandTemplate(r, project)));
}

export function underAny(path: string, roots: readonly string[]): boolean {
  return roots.some((r) => isUnder(path, r));
}
