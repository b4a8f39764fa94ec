/** The last gate over HostConfig privilege: capabilities, security options, sysctls, ulimits. */
import { normaliseCapability } from '../helpers.js';
import { isObject, type Findings } from './context.js';

const NO_NEW_PRIVILEGES = /^no-new-privileges([:=](true|1|t)?)?$/i;

function strings(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export function judgePrivilege(f: Findings, hc: Record<string, unknown>): void {
  if (!f.enabled('privilege')) return;
  const policy = f.policy.privilege;
  if (hc.Privileged !== undefined && hc.Privileged !== false && !policy.allowPrivileged) {
    f.add('privilege.privileged', 'HostConfig.Privileged', 'the container would run privileged', [
      'privileged',
    ]);
  }
  const capAdd = strings(hc.CapAdd);
  const capDrop = strings(hc.CapDrop);
  const allowed = new Set(policy.allowedCapabilities.map(normaliseCapability));
  if (!capAdd) f.add('privilege.cap-add', 'HostConfig.CapAdd', 'CapAdd is not a list of names', ['cap_add']);
  for (const [i, cap] of (capAdd ?? []).entries()) {
    const name = normaliseCapability(cap);
    if (name === 'ALL' || !allowed.has(name)) {
      f.add(
        'privilege.cap-add',
        `HostConfig.CapAdd.${i}`,
        `capability ${cap} is not allowed (allowed: ${[...allowed].join(', ') || 'none'})`,
        ['cap_add', i],
        ['cap_add'],
      );
    }
  }
  if (!capDrop || (policy.requireCapDropAll && !capDrop.some((c) => normaliseCapability(c) === 'ALL'))) {
    f.add(
      'privilege.cap-drop-all',
      'HostConfig.CapDrop',
      'the container must drop every capability (cap_drop: [ALL])',
      ['cap_drop'],
    );
  }
  const opts = strings(hc.SecurityOpt);
  let noNewPrivileges = false;
  for (const [i, opt] of (opts ?? []).entries()) {
    if (NO_NEW_PRIVILEGES.test(opt.trim())) noNewPrivileges = true;
    // Not `label=level:…` (see ../privilege.ts): the engine picks each container's own MCS level.
    else if (!/^apparmor[=:]docker-default$/.test(opt)) {
      f.add(
        'privilege.security-opt',
        `HostConfig.SecurityOpt.${i}`,
        `security_opt "${opt}" weakens confinement`,
        ['security_opt', i],
        ['security_opt'],
      );
    }
  }
  if (!opts || (policy.requireNoNewPrivileges && !noNewPrivileges)) {
    f.add(
      'privilege.no-new-privileges',
      'HostConfig.SecurityOpt',
      'the container must set no-new-privileges:true',
      ['security_opt'],
    );
  }
  const sysctls = hc.Sysctls;
  if (sysctls !== undefined) {
    const allowedSysctls = new Set(policy.allowedSysctls.map((s) => s.trim().toLowerCase()));
    for (const key of Object.keys(isObject(sysctls) ? sysctls : { '(not a map)': '' })) {
      if (!allowedSysctls.has(key))
        f.add(
          'privilege.sysctls',
          `HostConfig.Sysctls.${key}`,
          `sysctl ${key} is not allowed`,
          ['sysctls', key],
          ['sysctls'],
        );
    }
  }
  judgeUlimits(f, hc.Ulimits);
}

function judgeUlimits(f: Findings, value: unknown): void {
  if (value === undefined) return;
  const limits = f.policy.privilege.ulimits;
  if (!Array.isArray(value)) {
    f.add('privilege.ulimits', 'HostConfig.Ulimits', 'Ulimits is not a list', ['ulimits']);
    return;
  }
  for (const item of value) {
    const u = isObject(item) ? item : {};
    const name = typeof u.Name === 'string' ? u.Name : '';
    const max = Object.hasOwn(limits, name) ? limits[name] : undefined;
    const at = ['ulimits', name];
    if (max === undefined) {
      f.add(
        'privilege.ulimits',
        `HostConfig.Ulimits.${name}`,
        `ulimit "${name}" is not allowed (allowed: ${Object.keys(limits).join(', ') || 'none'})`,
        at,
        ['ulimits'],
      );
      continue;
    }
    const { Soft: soft, Hard: hard } = u;
    const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (
      !whole(soft) ||
      !whole(hard) ||
      soft > hard ||
      hard > max ||
      Object.keys(u).some((k) => !['Name', 'Soft', 'Hard'].includes(k))
    ) {
      f.add(
        'privilege.ulimits',
        `HostConfig.Ulimits.${name}`,
        `ulimit ${name} soft ${String(soft)} / hard ${String(hard)} must be whole numbers, soft <= hard <= ${max}`,
        at,
        ['ulimits'],
      );
    }
  }
}
