import { formatPath, type PathSegment } from './diagnostics.js';
import type { Report } from './findings.js';
import type { MountSpec } from './model.js';
import { isRecord } from './records.js';
import { parseBoolean, parseSizeBytes, parseWholeNumber } from '../util/units.js';

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
/** macOS file-sharing hints; meaningless on a Linux engine, accepted and dropped like compose does. */
const CONSISTENCY = ['consistent', 'cached', 'delegated'];

/**
 * Compose service `volumes:` as mounts. Short syntax is `SOURCE:TARGET[:OPTIONS]`: a SOURCE
 * starting with '.', '/' or '~' is a bind (relative paths stay relative: the caller resolves
 * them), anything else names a volume that must be declared at the top level.
 */
export function normaliseMounts(
  items: readonly unknown[],
  at: readonly PathSegment[],
  declaredVolumes: ReadonlySet<string>,
  report: Report,
): MountSpec[] {
  const out: MountSpec[] = [];
  items.forEach((item, index) => {
    const path = [...at, index];
    const fail = (rule: string, why: string): void => report(path, rule, `${formatPath(path)}: ${why}`);
    const mount = isRecord(item) ? longForm(item) : shortForm(String(item));
    if ('error' in mount) return fail(mount.rule ?? 'stack.invalid-volume', mount.error);
    if (mount.type === 'volume' && !declaredVolumes.has(mount.source)) {
      return fail(
        'stack.undeclared-volume',
        `volume '${mount.source}' is not declared; add it under the top-level volumes: (or write ./${mount.source} for a folder)`,
      );
    }
    out.push(mount);
  });
  return out;
}

type Parsed = MountSpec | { error: string; rule?: string };

/**
 * `ro`/`rw` and the propagation mode of a short-syntax option list as the engine reads them: the
 * last of each wins (`ro,rw` is writable, `rprivate,rshared` is rshared). The normaliser and the
 * policy's reader (policy/syntax.ts) both use this, so they cannot read a mount two ways.
 */
export function shortMountFlags(options: readonly string[]): { readOnly: boolean; propagation?: string } {
  let readOnly = false;
  let propagation: string | undefined;
  for (const option of options) {
    if (option === 'ro' || option === 'rw') readOnly = option === 'ro';
    else if (PROPAGATION.includes(option)) propagation = option;
  }
  return propagation === undefined ? { readOnly } : { readOnly, propagation };
}

const ANONYMOUS = {
  rule: 'stack.anonymous-volume',
  error:
    'anonymous volumes are not supported (their data is orphaned when the container is replaced); name it, e.g. data:/path, and declare it under the top-level volumes:',
};

function shortForm(text: string): Parsed {
  const parts = text.split(':');
  if (parts.length === 1) return ANONYMOUS;
  if (parts.length > 3)
    return { error: `'${text}' has too many ':'; write SOURCE:TARGET or SOURCE:TARGET:OPTIONS` };
  const [source = '', target = '', options = ''] = parts;
  if (source === '') return { error: `'${text}' has an empty source before ':' (is a variable unset?)` };
  const problem = checkSource(source) ?? checkTarget(target);
  if (problem) return problem;
  const type = /^[./~]/.test(source) ? 'bind' : 'volume';
  const mount: MountSpec =
    type === 'bind' ? { type, source, target, readOnly: false } : { type, source, target, readOnly: false };
  const list = options === '' ? [] : options.split(',');
  for (const option of list) {
    if (option === 'ro' || option === 'rw') continue;
    else if (option === 'nocopy' && mount.type === 'volume') mount.nocopy = true;
    else if (PROPAGATION.includes(option) && mount.type === 'bind') continue;
    else if (CONSISTENCY.includes(option)) continue;
    else if (option === 'z' || option === 'Z')
      return { error: `option '${option}' (SELinux relabelling) is not supported` };
    else
      return {
        error: `'${option}' is not a ${mount.type} option; use ro, rw${mount.type === 'volume' ? ', nocopy' : ', or a propagation mode'}`,
      };
  }
  const flags = shortMountFlags(list);
  mount.readOnly = flags.readOnly;
  if (mount.type === 'bind' && flags.propagation !== undefined) mount.propagation = flags.propagation;
  return mount;
}

function longForm(item: Record<string, unknown>): Parsed {
  const target = String(item.target);
  const source = typeof item.source === 'string' && item.source !== '' ? item.source : undefined;
  const readOnly = parseBoolean(item.read_only) ?? false;
  const problem = checkTarget(target) ?? (source === undefined ? undefined : checkSource(source));
  if (problem) return problem;
  const options = (key: string): Record<string, unknown> => (isRecord(item[key]) ? item[key] : {});
  switch (item.type) {
    case 'volume': {
      if (source === undefined) return ANONYMOUS;
      const mount: MountSpec = { type: 'volume', source, target, readOnly };
      if (parseBoolean(options('volume').nocopy)) mount.nocopy = true;
      return mount;
    }
    case 'bind': {
      if (source === undefined) return { error: 'a bind mount needs source: (a path on the host)' };
      const mount: MountSpec = { type: 'bind', source, target, readOnly };
      const propagation = options('bind').propagation;
      if (typeof propagation === 'string') mount.propagation = propagation;
      return mount;
    }
    case 'tmpfs': {
      const mount: MountSpec = { type: 'tmpfs', target };
      const { size, mode } = options('tmpfs');
      const sizeBytes =
        typeof size === 'string' || typeof size === 'number' ? parseSizeBytes(size) : undefined;
      if (sizeBytes !== undefined) mount.sizeBytes = sizeBytes;
      const modeNumber = parseWholeNumber(mode);
      if (modeNumber !== undefined) mount.mode = modeNumber;
      return mount;
    }
    default:
      return { error: `type '${String(item.type)}' must be volume, bind or tmpfs` };
  }
}

function checkTarget(target: string): Parsed | undefined {
  return target.startsWith('/')
    ? undefined
    : { error: `the target '${target}' must be an absolute path in the container` };
}

function checkSource(source: string): Parsed | undefined {
  // '~' would be the home folder of whoever runs the daemon, which the stack's author cannot know.
  return source === '~' || source.startsWith('~/')
    ? {
        error: `'${source}' starts with '~'; use a path relative to the stack file, an absolute path, or a named volume`,
      }
    : undefined;
}

/**
 * Two mounts on one container path are refused, as Compose and the engine do ("duplicate mount
 * point"): among `volumes:` entries, and between them and the service's `tmpfs:` list (a tmpfs
 * and a bind on one target would leave which one the container sees to the engine).
 */
export function checkMountTargets(
  at: readonly PathSegment[],
  mounts: readonly MountSpec[],
  tmpfs: readonly string[],
  report: Report,
): void {
  const key = (target: string): string => target.replace(/\/+$/, '') || '/';
  const taken = new Map<string, number>();
  mounts.forEach((mount, index) => {
    const target = key(mount.target);
    const first = taken.get(target);
    if (first !== undefined) {
      report(
        [...at, 'volumes', index],
        'stack.duplicate-target',
        `${formatPath([...at, 'volumes', index])} mounts ${target}, which ${formatPath([...at, 'volumes', first])} already mounts; keep one`,
      );
    } else taken.set(target, index);
  });
  tmpfs.forEach((entry, index) => {
    const target = key(entry.split(':')[0] ?? '');
    const first = taken.get(target);
    if (first === undefined) return;
    report(
      [...at, 'tmpfs', index],
      'stack.duplicate-target',
      `${formatPath([...at, 'tmpfs', index])} mounts a tmpfs at ${target}, which ${formatPath([...at, 'volumes', first])} already mounts; keep one`,
    );
  });
}
