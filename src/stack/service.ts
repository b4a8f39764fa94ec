import { formatPath, type PathSegment } from './diagnostics.js';
import { assign, cpus, duration, list, record, size, strings } from './coerce.js';
import type { Report } from './findings.js';
import type { ServiceNetworkAttachment, ServiceSpec } from './model.js';
import { checkMountTargets, normaliseMounts } from './mounts.js';
import { normalisePorts, type PortBudget } from './ports.js';
import { checkDuplicateTargets, serviceFileMounts } from './secrets.js';
import { setEntry, isRecord } from './records.js';
import {
  commandWords,
  dependsOn,
  environment,
  extraHosts,
  healthcheck,
  keyValues,
  labels,
  replicas,
  restart,
  ulimits,
  updateConfig,
} from './service-fields.js';
import { parseBoolean, parseWholeNumber } from '../util/units.js';
import { xSpin } from './x-spin.js';

/** What a service needs to know about the rest of the stack. */
export interface ServiceContext {
  report: Report;
  declaredVolumes: ReadonlySet<string>;
  declaredNetworks: ReadonlySet<string>;
  /** Top-level `secrets:` and `configs:` keys. */
  declaredSecrets: ReadonlySet<string>;
  declaredConfigs: ReadonlySet<string>;
  portBudget: PortBudget;
  /** The project's env: entries of `environment:` without a value read it. */
  env: Readonly<Record<string, string>>;
}

export const DEFAULT_STOP_GRACE_PERIOD_SECONDS = 10;

/**
 * One service, already schema-checked, as a ServiceSpec. Problems are reported through `ctx`;
 * the spec returned is then incomplete and must not be used.
 */
export function normaliseService(
  name: string,
  raw: Record<string, unknown>,
  ctx: ServiceContext,
): ServiceSpec {
  const at: PathSegment[] = ['services', name];
  const p = (...rest: PathSegment[]): PathSegment[] => [...at, ...rest];
  const { report } = ctx;
  const deploy = record(raw.deploy);
  const resources = record(deploy.resources);
  const limits = record(resources.limits);
  const reservations = record(resources.reservations);

  if (typeof raw.image !== 'string' || raw.image.trim() === '') {
    report(
      at,
      'stack.missing-image',
      `services.${name} has no image:; name the image to run, e.g. image: registry.example.org/lab/app:1.0`,
    );
  }

  const spec: ServiceSpec = {
    name,
    image: typeof raw.image === 'string' ? raw.image : '',
    replicas: replicas(raw, deploy, p, report),
    environment: environment(raw.environment, p('environment'), report, ctx.env),
    labels: labels(raw.labels, p('labels'), report),
    ports: normalisePorts(list(raw.ports), p('ports'), report, ctx.portBudget),
    mounts: normaliseMounts(list(raw.volumes), p('volumes'), ctx.declaredVolumes, report),
    networks: {},
    dependsOn: dependsOn(raw.depends_on),
    restart: restart(raw, deploy),
    stopGracePeriodSeconds: DEFAULT_STOP_GRACE_PERIOD_SECONDS,
    capAdd: strings(raw.cap_add),
    capDrop: strings(raw.cap_drop),
    securityOpt: strings(raw.security_opt),
    extraHosts: extraHosts(raw.extra_hosts, p('extra_hosts'), report),
    dns: strings(raw.dns),
    dnsSearch: strings(raw.dns_search),
    sysctls: keyValues(raw.sysctls, p('sysctls'), report, 'sysctls'),
    ulimits: ulimits(raw.ulimits),
    tmpfs: strings(raw.tmpfs),
    limits: {},
    reservations: {},
    updateConfig: updateConfig(record(deploy.update_config)),
    ...xSpin(raw['x-spin'], p('x-spin'), report),
  };

  const placement = record(deploy.placement);
  if (Object.keys(placement).length > 0) {
    spec.placement = {
      constraints: list(placement.constraints).map(String),
      preferences: list(placement.preferences).map((p) => String(record(p).spread ?? '')),
    };
  }

  for (const key of ['command', 'entrypoint'] as const) {
    const words = commandWords(raw[key], p(key), report);
    if (words) spec[key] = words;
  }
  attachNetworks(spec, raw, p, ctx);

  const text = (value: unknown): string | undefined =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  assign(spec, 'user', text(raw.user));
  assign(spec, 'workingDir', text(raw.working_dir));
  assign(spec, 'hostname', text(raw.hostname));
  assign(spec, 'domainname', text(raw.domainname));
  assign(spec, 'stopSignal', text(raw.stop_signal));
  assign(spec, 'pid', text(raw.pid));
  assign(spec, 'ipc', text(raw.ipc));
  assign(spec, 'init', parseBoolean(raw.init));
  assign(spec, 'tty', parseBoolean(raw.tty));
  assign(spec, 'stdinOpen', parseBoolean(raw.stdin_open));
  assign(spec, 'readOnly', parseBoolean(raw.read_only));
  assign(spec, 'privileged', parseBoolean(raw.privileged));
  assign(spec, 'shmSizeBytes', size(raw.shm_size));
  const grace = duration(raw.stop_grace_period);
  // Rounded up: the engine counts whole seconds, and a grace period must never get shorter.
  if (grace !== undefined) spec.stopGracePeriodSeconds = Math.ceil(grace / 1000);
  assign(spec, 'healthcheck', healthcheck(raw.healthcheck, p('healthcheck'), report));
  if (isRecord(raw.logging)) {
    // An empty driver means "the engine's default", which is what Docker's API does with it.
    const driver = typeof raw.logging.driver === 'string' ? raw.logging.driver : '';
    spec.logging = {
      driver,
      options: keyValues(raw.logging.options, p('logging', 'options'), report, 'options'),
    };
  }

  // deploy.resources wins over the legacy keys; both set to different values is an error.
  const pick = <T>(
    modern: T | undefined,
    legacy: T | undefined,
    modernPath: PathSegment[],
    legacyKey: string,
  ): T | undefined => {
    if (modern !== undefined && legacy !== undefined && modern !== legacy) {
      report(
        modernPath,
        'stack.conflicting-keys',
        `${formatPath(modernPath)} and services.${name}.${legacyKey} disagree; keep one`,
      );
    }
    return modern ?? legacy;
  };
  assign(
    spec.limits,
    'memoryBytes',
    pick(size(limits.memory), size(raw.mem_limit), p('deploy', 'resources', 'limits', 'memory'), 'mem_limit'),
  );
  assign(
    spec.limits,
    'nanoCpus',
    pick(cpus(limits.cpus), cpus(raw.cpus), p('deploy', 'resources', 'limits', 'cpus'), 'cpus'),
  );
  assign(
    spec.limits,
    'pids',
    pick(
      parseWholeNumber(limits.pids, { allowNegative: true }),
      parseWholeNumber(raw.pids_limit, { allowNegative: true }),
      p('deploy', 'resources', 'limits', 'pids'),
      'pids_limit',
    ),
  );
  assign(
    spec.reservations,
    'memoryBytes',
    pick(
      size(reservations.memory),
      size(raw.mem_reservation),
      p('deploy', 'resources', 'reservations', 'memory'),
      'mem_reservation',
    ),
  );
  assign(spec.reservations, 'nanoCpus', cpus(reservations.cpus));

  // Set only when used, so the config hash of a service without them is what it always was.
  const files = (['secrets', 'configs'] as const).map((kind) => ({
    kind,
    list: serviceFileMounts(
      kind,
      raw[kind],
      p(kind),
      kind === 'secrets' ? ctx.declaredSecrets : ctx.declaredConfigs,
      spec.user,
      report,
    ),
  }));
  for (const { kind, list } of files) if (list.length > 0) spec[kind] = list;
  checkMountTargets(at, spec.mounts, spec.tmpfs, report);
  checkDuplicateTargets(name, spec.mounts, files, report);
  return spec;
}

/**
 * `networks:` of a service, or the implicit `default` network when it names none and has no
 * network_mode. Networks must be declared at the top level (`default` always is).
 */
function attachNetworks(
  spec: ServiceSpec,
  raw: Record<string, unknown>,
  p: (...rest: PathSegment[]) => PathSegment[],
  ctx: ServiceContext,
): void {
  const named: Array<[string, unknown]> = Array.isArray(raw.networks)
    ? raw.networks.map((n): [string, unknown] => [String(n), null])
    : Object.entries(record(raw.networks));
  if (typeof raw.network_mode === 'string') {
    spec.networkMode = raw.network_mode;
    if (named.length > 0) {
      ctx.report(
        p('network_mode'),
        'stack.network-mode-conflict',
        `services.${spec.name} has both network_mode: and networks:; keep one`,
      );
    }
    if (!/^(none|host|bridge|service:.+|container:.+)$/.test(raw.network_mode)) {
      ctx.report(
        p('network_mode'),
        'stack.invalid-network-mode',
        `network_mode '${raw.network_mode}' must be none, host, bridge, service:<name> or container:<name>; to join a stack network use networks:`,
      );
    }
    return;
  }
  for (const [network, options] of named.length > 0 ? named : [['default', null] as [string, unknown]]) {
    if (!ctx.declaredNetworks.has(network)) {
      ctx.report(
        named.length > 0
          ? p('networks', Array.isArray(raw.networks) ? named.findIndex(([n]) => n === network) : network)
          : p(),
        'stack.undeclared-network',
        `network '${network}' is not declared; add it under the top-level networks:`,
      );
      continue;
    }
    const settings = record(options);
    const attachment: ServiceNetworkAttachment = { aliases: strings(settings.aliases) };
    assign(
      attachment,
      'ipv4Address',
      typeof settings.ipv4_address === 'string' ? settings.ipv4_address : undefined,
    );
    assign(
      attachment,
      'ipv6Address',
      typeof settings.ipv6_address === 'string' ? settings.ipv6_address : undefined,
    );
    setEntry(spec.networks, network, attachment);
  }
}
