/** Privilege: what a container may do to the kernel it shares with every other project. */
import {
  asList,
  asRecord,
  has,
  isTruthy,
  keyedEntries,
  normaliseCapability,
  text,
  type RuleContext,
  type RuleGroup,
  type ServiceEntry,
} from './helpers.js';

export const privilege: RuleGroup = {
  name: 'privilege',
  rules: {
    'privilege.privileged': '`privileged: true`',
    'privilege.cap-drop-all': 'a service without `cap_drop: [ALL]`',
    'privilege.cap-add': '`cap_add` entries outside the allow list (and `ALL`)',
    'privilege.security-opt':
      '`security_opt` entries other than no-new-privileges and apparmor docker-default',
    'privilege.no-new-privileges': 'a service without `security_opt: [no-new-privileges:true]`',
    'privilege.devices': '`devices`, `device_cgroup_rules`, `gpus`, device reservations',
    'privilege.cgroup': '`cgroup: host` and `cgroup_parent`',
    'privilege.sysctls': '`sysctls` outside the safe namespaced list',
    'privilege.ulimits': '`ulimits` not in the allow list (`rtprio`, `nice` …) or above its maximum',
  },
  check(ctx) {
    const policy = ctx.policy.privilege;
    const lists: Lists = {
      capabilities: new Set(policy.allowedCapabilities.map(normaliseCapability)),
      sysctls: new Set(policy.allowedSysctls.map((k) => k.trim().toLowerCase())),
    };
    for (const service of ctx.services) checkService(ctx, service, lists);
  },
};

interface Lists {
  capabilities: ReadonlySet<string>;
  sysctls: ReadonlySet<string>;
}

function checkService(ctx: RuleContext, s: ServiceEntry, { capabilities: allowed, sysctls }: Lists): void {
  const policy = ctx.policy.privilege;
  const { raw, path } = s;
  if (!policy.allowPrivileged && (isTruthy(raw.privileged) || s.spec?.privileged === true)) {
    ctx.report(
      'privilege.privileged',
      has(raw, 'privileged') ? [...path, 'privileged'] : path,
      `service "${s.name}" runs privileged; remove \`privileged\` and add only the capabilities it needs with cap_add`,
    );
  }
  if (policy.requireCapDropAll && !asList(raw.cap_drop).some((c) => normaliseCapability(c) === 'ALL')) {
    ctx.report(
      'privilege.cap-drop-all',
      has(raw, 'cap_drop') ? [...path, 'cap_drop'] : path,
      `service "${s.name}" must drop every capability: add \`cap_drop: [ALL]\` and add back only what it needs with cap_add`,
    );
  }
  asList(raw.cap_add).forEach((item, i) => {
    const cap = normaliseCapability(item);
    if (cap !== 'ALL' && allowed.has(cap)) return;
    ctx.report(
      'privilege.cap-add',
      [...path, 'cap_add', i],
      `capability ${cap || String(item)} is not allowed; remove it (allowed: ${[...allowed].join(', ') || 'none'})`,
    );
  });
  checkSecurityOpt(ctx, s);
  checkDevices(ctx, s);
  if (has(raw, 'cgroup_parent')) {
    ctx.report(
      'privilege.cgroup',
      [...path, 'cgroup_parent'],
      'remove cgroup_parent; Spin places every container in its own cgroup',
    );
  }
  if (text(raw.cgroup)?.trim().toLowerCase() === 'host') {
    ctx.report(
      'privilege.cgroup',
      [...path, 'cgroup'],
      'remove `cgroup: host`; use the default private cgroup namespace',
    );
  }
  for (const entry of keyedEntries(raw.sysctls, [...path, 'sysctls'])) {
    if (sysctls.has(entry.key.toLowerCase())) continue;
    ctx.report(
      'privilege.sysctls',
      entry.path,
      `sysctl ${entry.key} is not allowed; remove it (allowed: ${[...sysctls].join(', ') || 'none'})`,
    );
  }
  checkUlimits(ctx, s);
}

/** On the model (a single number means soft = hard), located at the ulimit's key. */
function checkUlimits(ctx: RuleContext, s: ServiceEntry): void {
  const allowed = ctx.policy.privilege.ulimits;
  for (const [name, { soft, hard }] of Object.entries(s.spec?.ulimits ?? {})) {
    const at = has(asRecord(s.raw.ulimits), name) ? [...s.path, 'ulimits', name] : [...s.path, 'ulimits'];
    const max = Object.hasOwn(allowed, name) ? allowed[name] : undefined;
    if (max === undefined) {
      ctx.report(
        'privilege.ulimits',
        at,
        `ulimit ${name} is not allowed; remove it (allowed: ${Object.keys(allowed).join(', ') || 'none'})`,
      );
    } else if (soft > hard || hard > max) {
      ctx.report(
        'privilege.ulimits',
        at,
        `ulimit ${name} soft ${soft} / hard ${hard} must keep soft <= hard <= ${max}; lower it`,
      );
    }
  }
}

const TRUE_VALUES = new Set(['', 'true', '1', 't']);

function checkSecurityOpt(ctx: RuleContext, s: ServiceEntry): void {
  const { raw, path } = s;
  let noNewPrivileges = false;
  asList(raw.security_opt).forEach((item, i) => {
    const opt = (text(item) ?? '').trim();
    const m = /^([^=:]*)[=:]?(.*)$/.exec(opt);
    const key = m?.[1] ?? '';
    const value = (m?.[2] ?? '').trim();
    if (key === 'no-new-privileges' && TRUE_VALUES.has(value.toLowerCase())) noNewPrivileges = true;
    else if (!isSafeSecurityOpt(key, value)) {
      ctx.report(
        'privilege.security-opt',
        [...path, 'security_opt', i],
        `security_opt "${opt}" weakens confinement; remove it (only no-new-privileges:true and apparmor=docker-default are accepted)`,
      );
    }
  });
  if (ctx.policy.privilege.requireNoNewPrivileges && !noNewPrivileges) {
    ctx.report(
      'privilege.no-new-privileges',
      has(raw, 'security_opt') ? [...path, 'security_opt'] : path,
      `service "${s.name}" must add \`no-new-privileges:true\` to security_opt`,
    );
  }
}

/**
 * `label=level:…` is refused too: an MCS level is how SELinux keeps containers apart, and a
 * chosen one can be another container's pair of categories or a range (`s0-s0:c0.c1023`) that
 * dominates every container's files; the engine gives each container its own.
 */
function isSafeSecurityOpt(key: string, value: string): boolean {
  if (key === 'apparmor') return value === 'docker-default';
  return false;
}

function checkDevices(ctx: RuleContext, s: ServiceEntry): void {
  if (ctx.policy.privilege.allowDevices) return;
  const { raw, path } = s;
  for (const key of ['devices', 'device_cgroup_rules']) {
    asList(raw[key]).forEach((_, i) => {
      ctx.report(
        'privilege.devices',
        [...path, key, i],
        `remove ${key}: host devices are not available to services`,
      );
    });
  }
  if (has(raw, 'gpus')) {
    ctx.report(
      'privilege.devices',
      [...path, 'gpus'],
      'remove gpus: GPUs are not available under this policy',
    );
  }
  const reservations = asRecord(asRecord(asRecord(raw.deploy).resources).reservations);
  asList(reservations.devices).forEach((_, i) => {
    ctx.report(
      'privilege.devices',
      [...path, 'deploy', 'resources', 'reservations', 'devices', i],
      'remove the device reservation: host devices are not available under this policy',
    );
  });
}
