/** The last gate over a create-volume body: the project's name, an allowed driver, tmpfs-only options. */
import { volumeOptionProblems } from '../mount-options.js';
import { LABEL, volumeName } from '../../stack/names.js';
import { judgeProjectObject } from './project-object.js';
import {
  Findings,
  isObject,
  refuseUnknownKeys,
  type AdmissionContext,
  type AdmissionFinding,
} from './context.js';
import { judgeHostPath } from './host-paths.js';

const VOLUME = new Set(['Name', 'Driver', 'DriverOpts', 'Labels']);

/** `key` is the volume's key in the stack (the engine name is `<project>_<key>`). */
export function admitVolume(body: unknown, key: string, ctx: AdmissionContext): AdmissionFinding[] {
  const f = new Findings(ctx, { kind: 'volume', name: key });
  const v = isObject(body) ? body : {};
  refuseUnknownKeys(f, v, '', VOLUME);
  judgeProjectObject(f, {
    name: v.Name,
    labels: v.Labels,
    expectedName: volumeName(ctx.project, key),
    key,
    keyLabel: LABEL.volume,
    nameRule: 'isolation.external-volume',
    kind: 'volume',
  });
  const policy = ctx.policy.mounts;
  if (!policy.enabled) return f.list;
  const driver = v.Driver === undefined ? 'local' : v.Driver;
  if (typeof driver !== 'string' || !policy.volumeDrivers.includes(driver)) {
    f.add(
      'mounts.volume-driver',
      'Driver',
      `volume driver ${JSON.stringify(driver)} is not allowed (allowed: ${policy.volumeDrivers.join(', ') || 'none'})`,
      ['driver'],
    );
  }
  const raw = v.DriverOpts === undefined ? {} : v.DriverOpts;
  if (!isObject(raw) || Object.values(raw).some((o) => typeof o !== 'string')) {
    f.add('mounts.volume-options', 'DriverOpts', 'DriverOpts is not a map of text', ['driver_opts']);
    return f.list;
  }
  const { problems, hostDevice } = volumeOptionProblems(raw as Record<string, string>, policy);
  for (const p of problems)
    f.add(p.rule, `DriverOpts.${p.key}`, p.message, ['driver_opts', p.key], ['driver_opts']);
  if (hostDevice !== undefined) {
    const verdict = judgeHostPath(hostDevice, ctx);
    if (!verdict.ok)
      f.add(verdict.rule, 'DriverOpts.device', verdict.message, ['driver_opts', 'device'], ['driver_opts']);
    else if (verdict.spin)
      f.add('mounts.bind-root', 'DriverOpts.device', 'a volume may not mount the files Spin delivers', [
        'driver_opts',
        'device',
      ]);
  }
  return f.list;
}
