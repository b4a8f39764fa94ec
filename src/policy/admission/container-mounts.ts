/** The last gate over HostConfig.Mounts and HostConfig.Tmpfs. */
import { expandTemplate } from '../helpers.js';
import { parseMountOptions, tmpfsOptionProblems } from '../mount-options.js';
import { Findings, isObject, refuseUnknownKeys } from './context.js';
import { judgeHostPath } from './host-paths.js';

const MOUNT = new Set([
  'Type',
  'Source',
  'Target',
  'ReadOnly',
  'BindOptions',
  'VolumeOptions',
  'TmpfsOptions',
]);
const SAFE_PROPAGATION = ['private', 'rprivate', 'slave', 'rslave'];
/** Service-level tmpfs may also say exec/ro/rw, which change nothing outside the container. */
const SERVICE_TMPFS_EXTRA = ['exec', 'ro', 'rw'];

export function judgeMounts(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    f.add('mounts.bind-root', 'HostConfig.Mounts', 'Mounts is not a list', ['volumes']);
    return;
  }
  value.forEach((item, i) => judgeMount(f, item, `HostConfig.Mounts.${i}`));
}

function judgeMount(f: Findings, item: unknown, at: string): void {
  const m = isObject(item) ? item : {};
  refuseUnknownKeys(f, m, `${at}.`, MOUNT);
  const field = ['volumes'];
  const target = typeof m.Target === 'string' ? m.Target : '';
  if (!target.startsWith('/'))
    f.add(
      'mounts.bind-root',
      `${at}.Target`,
      `mount target ${JSON.stringify(m.Target)} is not an absolute path`,
      field,
    );
  if (m.ReadOnly !== undefined && typeof m.ReadOnly !== 'boolean')
    f.add('mounts.repo-writable', `${at}.ReadOnly`, 'ReadOnly is not a boolean', field);
  if (!f.enabled('mounts') && m.Type !== 'bind') return;
  switch (m.Type) {
    case 'volume':
      return judgeVolumeMount(f, m, at);
    case 'bind':
      return judgeBindMount(f, m, at);
    case 'tmpfs': {
      const opts = isObject(m.TmpfsOptions) ? m.TmpfsOptions : {};
      refuseUnknownKeys(f, opts, `${at}.TmpfsOptions.`, new Set(['SizeBytes', 'Mode']));
      return;
    }
    default:
      f.add(
        'mounts.bind-root',
        `${at}.Type`,
        `mount type ${JSON.stringify(m.Type)} is not allowed (volume, bind, tmpfs)`,
        field,
      );
  }
}

function judgeVolumeMount(f: Findings, m: Record<string, unknown>, at: string): void {
  const source = typeof m.Source === 'string' ? m.Source : '';
  const external = f.policy.isolation.externalVolumes.map((v) => expandTemplate(v, f.ctx.project));
  if (!source.startsWith(`${f.ctx.project}_`) && !external.includes(source)) {
    f.add(
      'isolation.external-volume',
      `${at}.Source`,
      `volume "${source}" is not one of this project's volumes`,
      ['volumes'],
    );
  }
  if (m.BindOptions !== undefined || m.TmpfsOptions !== undefined)
    f.add('admission.unknown-field', at, 'a volume mount carries bind or tmpfs options', ['volumes']);
  const opts = m.VolumeOptions;
  if (opts === undefined) return;
  // DriverConfig here would create a volume with any driver and options at mount time.
  if (!isObject(opts))
    f.add('mounts.volume-options', `${at}.VolumeOptions`, 'VolumeOptions is not an object', ['volumes']);
  else refuseUnknownKeys(f, opts, `${at}.VolumeOptions.`, new Set(['NoCopy']));
}

function judgeBindMount(f: Findings, m: Record<string, unknown>, at: string): void {
  const verdict = judgeHostPath(m.Source, f.ctx);
  const readOnly = m.ReadOnly === true;
  if (!verdict.ok) {
    if (f.enabled('mounts')) f.add(verdict.rule, `${at}.Source`, verdict.message, ['volumes']);
  } else if (verdict.spin && !readOnly) {
    // Repository copies and delivered secrets are Spin's files: never writable, whatever the policy.
    f.add(
      'mounts.repo-writable',
      `${at}.ReadOnly`,
      `"${String(m.Source)}" is a file Spin delivers and must be mounted read-only (add :ro)`,
      ['volumes'],
    );
  }
  if (m.VolumeOptions !== undefined || m.TmpfsOptions !== undefined)
    f.add('admission.unknown-field', at, 'a bind mount carries volume or tmpfs options', ['volumes']);
  const opts = m.BindOptions;
  if (opts === undefined) return;
  if (!isObject(opts)) {
    f.add('mounts.propagation', `${at}.BindOptions`, 'BindOptions is not an object', ['volumes']);
    return;
  }
  refuseUnknownKeys(f, opts, `${at}.BindOptions.`, new Set(['Propagation']));
  const propagation = opts.Propagation;
  if (propagation === undefined) return;
  const allowed = f.policy.mounts.allowSharedPropagation
    ? [...SAFE_PROPAGATION, 'shared', 'rshared']
    : SAFE_PROPAGATION;
  if (typeof propagation !== 'string' || !allowed.includes(propagation)) {
    f.add(
      'mounts.propagation',
      `${at}.BindOptions.Propagation`,
      `bind propagation ${JSON.stringify(propagation)} is not allowed (${allowed.join(', ')})`,
      ['volumes'],
    );
  }
}

export function judgeTmpfs(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    f.add('mounts.tmpfs-options', 'HostConfig.Tmpfs', 'Tmpfs is not a map', ['tmpfs']);
    return;
  }
  if (!f.enabled('mounts')) return;
  const allowed = [...f.policy.mounts.tmpfsOptions, ...SERVICE_TMPFS_EXTRA];
  for (const [target, options] of Object.entries(value)) {
    if (!target.startsWith('/'))
      f.add(
        'mounts.tmpfs-options',
        `HostConfig.Tmpfs.${target}`,
        `tmpfs target "${target}" is not absolute`,
        ['tmpfs'],
      );
    if (typeof options !== 'string') {
      f.add('mounts.tmpfs-options', `HostConfig.Tmpfs.${target}`, 'tmpfs options are not text', ['tmpfs']);
      continue;
    }
    if (options === '') continue;
    for (const problem of tmpfsOptionProblems(parseMountOptions(options), allowed))
      f.add('mounts.tmpfs-options', `HostConfig.Tmpfs.${target}`, `tmpfs ${target}: ${problem}`, ['tmpfs']);
  }
}
