/** Isolation between projects: nothing in a stack may name, join or impersonate another project's objects. */
import type { PathSegment } from '../stack/diagnostics.js';
import {
  asList,
  asRecord,
  expandTemplate,
  has,
  isExternal,
  keyedEntries,
  text,
  type RuleContext,
  type RuleGroup,
  type ServiceEntry,
} from './helpers.js';
import { placementAllowed } from './placement.js';

export const isolation: RuleGroup = {
  name: 'isolation',
  rules: {
    'isolation.container-name': '`container_name` (names are global to the engine)',
    'isolation.external-links': '`external_links`',
    'isolation.volumes-from': '`volumes_from` other than services of this stack',
    'isolation.network-mode': '`network_mode` naming an engine network (including `bridge`)',
    'isolation.network-driver':
      'network drivers other than bridge (macvlan, ipvlan … reach the physical network)',
    'isolation.external-network': 'external networks outside the allow list, and `name:` on a network',
    'isolation.external-volume': 'external volumes outside the allow list, and `name:` on a volume',
    'isolation.reserved-label': 'labels under `spin.`',
    'isolation.placement': 'Swarm placement on node labels outside `isolation.placement`',
  },
  check(ctx) {
    for (const s of ctx.services) checkService(ctx, s);
    checkNetworks(ctx);
    checkVolumes(ctx);
    for (const section of ['networks', 'volumes', 'configs', 'secrets']) {
      for (const [name, def] of Object.entries(asRecord(ctx.root[section]))) {
        checkLabels(ctx, asRecord(def).labels, [section, name, 'labels']);
      }
    }
  },
};

function checkService(ctx: RuleContext, s: ServiceEntry): void {
  const { raw, path } = s;
  checkPlacement(ctx, s);
  if (has(raw, 'container_name')) {
    ctx.report(
      'isolation.container-name',
      [...path, 'container_name'],
      `remove container_name: Spin names containers ${ctx.project}-${s.name}-N; other services reach this one as "${s.name}"`,
    );
  }
  asList(raw.external_links).forEach((_, i) => {
    ctx.report(
      'isolation.external-links',
      [...path, 'external_links', i],
      'remove external_links: containers outside this stack are out of reach; talk to them through a published service',
    );
  });
  asList(raw.volumes_from).forEach((item, i) => {
    const spec = (text(item) ?? '').trim();
    const name = spec.replace(/:(ro|rw)$/, '');
    if (!name.startsWith('container:') && name !== s.name && ctx.serviceNames.has(name)) return;
    ctx.report(
      'isolation.volumes-from',
      [...path, 'volumes_from', i],
      `volumes_from "${spec}" is not a service of this stack; share data through a named volume`,
    );
  });
  const mode = text(raw.network_mode)?.trim();
  if (mode !== undefined && !/^(none|host|service:.*|container:.*)$/i.test(mode)) {
    ctx.report(
      'isolation.network-mode',
      [...path, 'network_mode'],
      `network_mode "${mode}" attaches to an engine network shared with other projects; remove it and use networks: of this stack`,
    );
  }
  checkLabels(ctx, raw.labels, [...path, 'labels']);
  checkLabels(ctx, asRecord(raw.deploy).labels, [...path, 'deploy', 'labels']);
}

function checkLabels(ctx: RuleContext, labels: unknown, path: PathSegment[]): void {
  const prefixes = ctx.policy.isolation.reservedLabelPrefixes.map((p) => p.toLowerCase());
  for (const entry of keyedEntries(labels, path)) {
    const prefix = prefixes.find((p) => entry.key.toLowerCase().startsWith(p));
    if (prefix === undefined) continue;
    ctx.report(
      'isolation.reserved-label',
      entry.path,
      `label "${entry.key}" is reserved: Spin sets ${prefix}* labels itself; rename it (e.g. org.example.${entry.key.slice(prefix.length)})`,
    );
  }
}

function checkNetworks(ctx: RuleContext): void {
  const allowed = ctx.policy.isolation.externalNetworks.map((n) => expandTemplate(n, ctx.project));
  for (const [key, raw] of Object.entries(asRecord(ctx.root.networks))) {
    const def = asRecord(raw);
    const driver = text(def.driver)?.trim().toLowerCase();
    if (!isExternal(def) && driver !== undefined && driver !== 'bridge') {
      ctx.report(
        'isolation.network-driver',
        ['networks', key, 'driver'],
        `network driver "${driver}" is not available; remove driver: (networks are private bridges)`,
      );
    }
    checkExternal(ctx, 'network', key, def, allowed);
  }
}

function checkVolumes(ctx: RuleContext): void {
  const allowed = ctx.policy.isolation.externalVolumes.map((n) => expandTemplate(n, ctx.project));
  for (const [key, raw] of Object.entries(asRecord(ctx.root.volumes))) {
    checkExternal(ctx, 'volume', key, asRecord(raw), allowed);
  }
}

function checkExternal(
  ctx: RuleContext,
  kind: 'network' | 'volume',
  key: string,
  def: Record<string, unknown>,
  allowed: string[],
): void {
  const rule = kind === 'network' ? 'isolation.external-network' : 'isolation.external-volume';
  const section = `${kind}s`;
  const name = text(def.name)?.trim() ?? text(asRecord(def.external).name)?.trim();
  if (isExternal(def)) {
    const engineName = name ?? key;
    if (allowed.includes(engineName)) return;
    ctx.report(
      rule,
      [section, key, 'external'],
      `external ${kind} "${engineName}" may belong to another project; declare a ${kind} of this stack instead${
        allowed.length > 0 ? ` (allowed external ${section}: ${allowed.join(', ')})` : ''
      }`,
    );
  } else if (name !== undefined && name !== `${ctx.project}_${key}`) {
    ctx.report(
      rule,
      [section, key, 'name'],
      `remove name: "${name}"; Spin names this ${kind} ${ctx.project}_${key} so that it cannot collide with another project`,
    );
  }
}

/** Placement targets the operator's nodes: only the node labels the policy grants this project. */
function checkPlacement(ctx: RuleContext, s: ServiceEntry): void {
  const placement = asRecord(asRecord(s.raw.deploy).placement);
  const at = [...s.path, 'deploy', 'placement'];
  const allowed = ctx.policy.isolation.placement;
  const hint = allowed.length
    ? `the policy allows ${allowed.join(', ')}`
    : 'the policy allows none (an operator grants node labels in isolation.placement)';
  asList(placement.constraints).forEach((item, i) => {
    const expression = text(item) ?? '';
    if (!placementAllowed(expression, allowed))
      ctx.report(
        'isolation.placement',
        [...at, 'constraints', i],
        `placement constraint "${expression}" is not allowed; ${hint}`,
      );
  });
  asList(placement.preferences).forEach((item, i) => {
    const spread = text(asRecord(item).spread) ?? '';
    if (!placementAllowed(spread, allowed))
      ctx.report(
        'isolation.placement',
        [...at, 'preferences', i, 'spread'],
        `placement preference spread "${spread}" is not allowed; ${hint}`,
      );
  });
}
