/**
 * Identity: files on a global filesystem are owned by real users, so a service that mounts an
 * allowed root must run as a numeric non-root UID[:GID] and may add only NET_BIND_SERVICE.
 */
import type { PathSegment } from '../stack/diagnostics.js';
import {
  asList,
  asRecord,
  has,
  normaliseCapability,
  text,
  type RuleContext,
  type RuleGroup,
  type ServiceEntry,
} from './helpers.js';
import { classifyHostPath } from './mounts.js';
import { serviceMounts } from './syntax.js';

export const identity: RuleGroup = {
  name: 'identity',
  rules: {
    'identity.non-root-user':
      'a service mounting an allowed root without a numeric non-root `user` (or with group 0)',
    'identity.cap-add': 'capabilities other than the identity allow list on such a service',
  },
  check(ctx) {
    for (const s of ctx.services) {
      const mounts = globalRootMounts(ctx, s);
      const first = mounts[0];
      if (first) checkService(ctx, s, first);
    }
  },
};

/** Paths of the mount entries that reach an allowed root, directly or through a volume's device. */
function globalRootMounts(ctx: RuleContext, s: ServiceEntry): PathSegment[][] {
  const volumes = asRecord(ctx.root.volumes);
  return ctx
    .memo(`mounts:${s.name}`, () => serviceMounts(s.raw, s.path))
    .flatMap((m) => {
      if (!m.source) return [];
      let hostPath: string | undefined;
      if (m.type === 'bind') hostPath = m.source;
      else if (m.type === 'volume') hostPath = text(asRecord(asRecord(volumes[m.source]).driver_opts).device);
      if (hostPath === undefined || !hostPath.startsWith('/')) return [];
      return classifyHostPath(ctx, hostPath).kind === 'allowed-root' ? [m.sourcePath] : [];
    });
}

function checkService(ctx: RuleContext, s: ServiceEntry, mountPath: PathSegment[]): void {
  const { raw, path } = s;
  const user = has(raw, 'user') ? text(raw.user)?.trim() : s.spec?.user;
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  if (!m || Number(m[1]) === 0 || (m[2] !== undefined && Number(m[2]) === 0)) {
    ctx.report(
      'identity.non-root-user',
      has(raw, 'user') ? [...path, 'user'] : mountPath,
      `service "${s.name}" mounts a global filesystem, so it must run as your numeric UID: set \`user: "UID:GID"\` (not 0, not a name)`,
    );
  }
  asList(raw.group_add).forEach((g, i) => {
    const group = (text(g) ?? '').trim();
    if (group !== '0' && group !== 'root') return;
    ctx.report('identity.non-root-user', [...path, 'group_add', i], 'remove group 0 (root) from group_add');
  });
  const allowed = new Set(ctx.policy.identity.allowedCapabilities.map(normaliseCapability));
  const privilege = ctx.policy.privilege;
  const privilegeAllows = new Set(privilege.allowedCapabilities.map(normaliseCapability));
  asList(raw.cap_add).forEach((item, i) => {
    const cap = normaliseCapability(item);
    if (allowed.has(cap) && cap !== 'ALL') return;
    // Already refused by the privilege group; one refusal per entry is enough.
    if (privilege.enabled && (cap === 'ALL' || !privilegeAllows.has(cap))) return;
    ctx.report(
      'identity.cap-add',
      [...path, 'cap_add', i],
      `service "${s.name}" mounts a global filesystem and may add only ${[...allowed].join(', ') || 'no capabilities'}; remove ${cap}`,
    );
  });
}
