/**
 * Mounts: host paths reach a container only from the policy's allowed roots or, read-only, from
 * the repository. Paths are normalised first, so `..`, `//` and `~` cannot hide where they point.
 */
import type { PathSegment } from '../stack/diagnostics.js';
import {
  asList,
  asRecord,
  expandTemplate,
  has,
  isExternal,
  isRecord,
  isUnder,
  normaliseHostPath,
  pathKind,
  resolveInRepository,
  text,
  type RuleContext,
  type RuleGroup,
} from './helpers.js';
import { parseMountOptions, tmpfsOptionProblems, volumeOptionProblems } from './mount-options.js';
import { serviceMounts } from './syntax.js';

export const mounts: RuleGroup = {
  name: 'mounts',
  rules: {
    'mounts.bind-root': 'host paths outside the allowed roots (and `~`, npipe, host devices behind volumes)',
    'mounts.docker-socket': 'the Docker socket, wherever it is mounted from',
    'mounts.sensitive-path':
      'host system folders (/, /etc, /proc, /sys, /dev, /run, /var/lib/docker, /home …)',
    'mounts.escape':
      'repository paths that leave the repository (binds, env_file, configs, secrets, extends, include)',
    'mounts.repo-writable': 'writable binds of repository files',
    'mounts.propagation': '`shared`/`rshared` bind propagation',
    'mounts.volume-driver': 'volume drivers outside the allow list',
    'mounts.volume-options':
      'volume `driver_opts` other than a tmpfs (`type: tmpfs`, no device, allowed `o` options)',
    'mounts.tmpfs-options': 'tmpfs mount options outside the allow list (a service’s `tmpfs:`)',
  },
  check(ctx) {
    for (const s of ctx.services) {
      for (const m of ctx.memo(`mounts:${s.name}`, () => serviceMounts(s.raw, s.path))) {
        if (m.type === 'npipe') {
          ctx.report('mounts.bind-root', m.sourcePath, 'named pipes are host objects; use a named volume');
        }
        if (m.type === 'bind' && m.source !== undefined && m.source !== '') {
          checkHostPath(ctx, m.source, m.sourcePath, { readOnly: m.readOnly, use: 'bind' });
        }
        if (m.propagation && /^r?shared$/.test(m.propagation) && !ctx.policy.mounts.allowSharedPropagation) {
          ctx.report(
            'mounts.propagation',
            m.propagationPath,
            `bind propagation "${m.propagation}" lets mounts leak back to the host; remove it (or use rprivate)`,
          );
        }
      }
      checkRepositoryFiles(ctx, s.raw, s.path);
      checkServiceTmpfs(ctx, s.spec?.tmpfs ?? [], s.raw, s.path);
    }
    checkTopLevel(ctx);
  },
};

/** A service's `tmpfs:` entries (`/run:size=64m,exec`): tmpfs options only, never bind flags. */
function checkServiceTmpfs(
  ctx: RuleContext,
  entries: readonly string[],
  raw: Record<string, unknown>,
  path: readonly PathSegment[],
): void {
  const allowed = [...ctx.policy.mounts.tmpfsOptions, 'exec', 'ro', 'rw'];
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    if (colon < 0 || colon === entry.length - 1) return;
    const at = Array.isArray(raw.tmpfs) ? [...path, 'tmpfs', i] : [...path, 'tmpfs'];
    for (const problem of tmpfsOptionProblems(parseMountOptions(entry.slice(colon + 1)), allowed))
      ctx.report('mounts.tmpfs-options', at, `${problem}; remove it`);
  });
}

export type HostPathVerdict =
  | { kind: 'repository'; path: string }
  | { kind: 'escape'; path: string }
  | { kind: 'home'; path: string }
  | { kind: 'docker-socket'; path: string }
  | { kind: 'sensitive'; path: string; under: string }
  | { kind: 'allowed-root'; path: string; root: string }
  | { kind: 'not-allowed'; path: string };

export function allowedRoots(ctx: RuleContext): string[] {
  return ctx.policy.mounts.allowedRoots.map((r) => normaliseHostPath(expandTemplate(r, ctx.project)));
}

/** Where a host path as written points, after normalisation. */
export function classifyHostPath(ctx: RuleContext, source: string): HostPathVerdict {
  const kind = pathKind(source);
  if (kind === 'home') return { kind, path: source };
  if (kind === 'relative') {
    const r = resolveInRepository(ctx.input.stackDir, source);
    return { kind: r.inside ? 'repository' : 'escape', path: r.path };
  }
  const path = normaliseHostPath(source);
  if (/docker\.sock$/i.test(path)) return { kind: 'docker-socket', path };
  const root = allowedRoots(ctx).find((r) => isUnder(path, r));
  const under = ctx.policy.mounts.sensitivePaths
    .map(normaliseHostPath)
    .find((s) => (s === '/' ? path === '/' : isUnder(path, s)) && !(root && root !== s && isUnder(root, s)));
  if (under !== undefined) return { kind: 'sensitive', path, under };
  return root === undefined ? { kind: 'not-allowed', path } : { kind: 'allowed-root', path, root };
}

interface HostPathUse {
  readOnly: boolean;
  use: 'bind' | 'file';
}

function checkHostPath(ctx: RuleContext, source: string, at: readonly PathSegment[], use: HostPathUse): void {
  const v = classifyHostPath(ctx, source);
  const policy = ctx.policy.mounts;
  switch (v.kind) {
    case 'home':
      return ctx.report('mounts.bind-root', at, `"${source}" is a home folder on the host; ${instead(ctx)}`);
    case 'escape':
      return ctx.report(
        'mounts.escape',
        at,
        `"${source}" resolves to "${v.path}", outside the repository; bind only files inside the repository`,
      );
    case 'docker-socket':
      return ctx.report(
        'mounts.docker-socket',
        at,
        `"${source}" is the Docker socket, which gives root on the host; remove it (Spin deploys for you)`,
      );
    case 'sensitive':
      return ctx.report(
        'mounts.sensitive-path',
        at,
        `"${source}" is ${v.path === v.under ? '' : `under ${v.under}, `}a host system folder; ${instead(ctx)}`,
      );
    case 'not-allowed':
      return ctx.report(
        'mounts.bind-root',
        at,
        `"${source}" is outside the allowed host roots; ${instead(ctx)}`,
      );
    case 'repository':
      if (!policy.allowRepositoryFiles) {
        return ctx.report(
          'mounts.bind-root',
          at,
          `binds from the repository are not allowed; ${instead(ctx)}`,
        );
      }
      if (use.use === 'bind' && policy.requireReadOnlyRepositoryFiles && !use.readOnly) {
        ctx.report(
          'mounts.repo-writable',
          at,
          `"${source}" is a repository path and must be read-only: add ":ro" (or read_only: true); keep data in a named volume`,
        );
      }
  }
}

function instead(ctx: RuleContext): string {
  const roots = allowedRoots(ctx);
  return roots.length === 0
    ? 'use a named volume, or read-only files inside the repository'
    : `use a named volume, read-only files inside the repository, or a folder under ${roots.join(', ')}`;
}

/** Files the loader reads: only from inside the repository. */
function checkRepositoryFiles(
  ctx: RuleContext,
  raw: Record<string, unknown>,
  path: readonly PathSegment[],
): void {
  asList(raw.env_file).forEach((item, i) => {
    const at = isRecord(item)
      ? [...path, 'env_file', i, 'path']
      : Array.isArray(raw.env_file)
        ? [...path, 'env_file', i]
        : [...path, 'env_file'];
    checkLoadedFile(ctx, text(isRecord(item) ? item.path : item), at);
  });
  const ext = asRecord(raw.extends);
  if (has(ext, 'file')) checkLoadedFile(ctx, text(ext.file), [...path, 'extends', 'file']);
}

function checkLoadedFile(ctx: RuleContext, file: string | undefined, at: readonly PathSegment[]): void {
  if (file === undefined || file === '') return;
  const v = classifyHostPath(ctx, file);
  if (v.kind === 'repository') return;
  ctx.report(
    'mounts.escape',
    at,
    `"${file}" is outside the repository; keep the file inside the repository next to the stack file`,
  );
}

function checkTopLevel(ctx: RuleContext): void {
  asList(ctx.root.include).forEach((item, i) => {
    if (!isRecord(item)) return checkLoadedFile(ctx, text(item), ['include', i]);
    for (const key of ['path', 'env_file', 'project_directory']) {
      const value = item[key];
      if (Array.isArray(value))
        value.forEach((v, j) => checkLoadedFile(ctx, text(v), ['include', i, key, j]));
      else checkLoadedFile(ctx, text(value), ['include', i, key]);
    }
  });
  // Spin reads these from the repository at the deployed commit (never from the host), so like
  // relative binds they must stay inside it; an absolute path or an allowed root is refused too.
  for (const section of ['configs', 'secrets']) {
    for (const [name, def] of Object.entries(asRecord(ctx.root[section]))) {
      const file = text(asRecord(def).file);
      if (file) checkLoadedFile(ctx, file, [section, name, 'file']);
    }
  }
  for (const [name, raw] of Object.entries(asRecord(ctx.root.volumes))) {
    const def = asRecord(raw);
    if (isExternal(def)) continue;
    const driver = (text(def.driver) ?? 'local').trim();
    if (!ctx.policy.mounts.volumeDrivers.includes(driver)) {
      ctx.report(
        'mounts.volume-driver',
        ['volumes', name, 'driver'],
        `volume driver "${driver}" is not allowed; remove driver (allowed: ${ctx.policy.mounts.volumeDrivers.join(', ') || 'none'})`,
      );
    }
    const opts = Object.fromEntries(
      Object.entries(asRecord(def.driver_opts)).map(([k, v]) => [k, text(v) ?? '']),
    );
    const { problems, hostDevice } = volumeOptionProblems(opts, ctx.policy.mounts);
    for (const p of problems)
      ctx.report(p.rule, ['volumes', name, 'driver_opts', p.key], `volume "${name}": ${p.message}`);
    if (hostDevice === undefined) continue;
    const at = ['volumes', name, 'driver_opts', 'device'];
    if (pathKind(hostDevice) !== 'absolute') {
      ctx.report(
        'mounts.bind-root',
        at,
        `volume "${name}" mounts "${hostDevice}" from the host; ${instead(ctx)}`,
      );
    } else checkHostPath(ctx, hostDevice, at, { readOnly: false, use: 'bind' });
  }
}
