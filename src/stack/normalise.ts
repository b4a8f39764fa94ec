import type { Diagnostic, PathSegment } from './diagnostics.js';
import { collector, locateFindings, type Report, type Source } from './findings.js';
import type { NetworkSpec, ServiceSpec, StackModel, VolumeSpec } from './model.js';
import { JOIN_KEYS, joinReference, joinValue } from './joins.js';
import { hasEntry, isRecord, setEntry } from './records.js';
import { hasErrors } from './severity.js';
import { declaredConfigs, declaredSecrets } from './secrets.js';
import { normaliseService } from './service.js';
import { labels } from './service-fields.js';
import { inactiveServices } from './unsupported.js';

export interface NormaliseResult {
  /** Set only when there are no errors (warnings may remain in `diagnostics`). */
  model?: StackModel;
  diagnostics: Diagnostic[];
}

/**
 * The schema-checked, interpolated stack as the desired-state model (pure). `source` gives the
 * diagnostics a file and positions; without it they carry only a path.
 *
 * Services with `profiles:` are left out (Spin activates no profile). Every declared network and
 * volume is in the model; the implicit `default` network only when some service uses it.
 */
export function normalise(
  value: unknown,
  project: string,
  source?: Source,
  env: Readonly<Record<string, string>> = {},
): NormaliseResult {
  const { report, findings } = collector();
  const root = isRecord(value) ? value : {};
  const networks = declaredNetworks(root.networks, report);
  const volumes = declaredVolumes(root.volumes, report);
  const secrets = declaredSecrets(root.secrets, project, report);
  const configs = declaredConfigs(root.configs, report);
  const inactive = inactiveServices(root);
  const ctx = {
    report,
    declaredNetworks: new Set([...Object.keys(networks), 'default']),
    declaredVolumes: new Set(Object.keys(volumes)),
    declaredSecrets: new Set(Object.keys(isRecord(root.secrets) ? root.secrets : {})),
    declaredConfigs: new Set(Object.keys(isRecord(root.configs) ? root.configs : {})),
    portBudget: { left: 65536 },
    env,
  };

  const services: Record<string, ServiceSpec> = {};
  for (const [name, raw] of Object.entries(isRecord(root.services) ? root.services : {})) {
    if (inactive.has(name)) {
      report(
        ['services', name, 'profiles'],
        'ignored.profiles',
        `services.${name} is not deployed: it has profiles:, and Spin activates no profile`,
      );
      continue;
    }
    setEntry(services, name, normaliseService(name, isRecord(raw) ? raw : {}, ctx));
  }
  const where = dependencyPath(isRecord(root.services) ? root.services : {});
  checkReferences(services, inactive, where, report);
  addJoinDependencies(services);
  checkDependencyCycles(services, where, report);
  checkPortConflicts(services, report);

  const usesDefault = Object.values(services).some((s) => s.networks.default !== undefined);
  if (usesDefault && !networks.default) setEntry(networks, 'default', emptyNetwork('default'));

  const diagnostics = locateFindings(findings, source);
  if (hasErrors(diagnostics)) return { diagnostics };
  const model: StackModel = { project, services, networks, volumes };
  // Only when declared, so the model of a stack without them is what it always was.
  if (isRecord(root.secrets)) model.secrets = secrets;
  if (isRecord(root.configs)) model.configs = configs;
  return { model, diagnostics };
}

function emptyNetwork(name: string): NetworkSpec {
  return { name, driver: 'bridge', internal: false, labels: {} };
}

function declaredNetworks(value: unknown, report: Report): Record<string, NetworkSpec> {
  const out: Record<string, NetworkSpec> = {};
  for (const [name, raw] of Object.entries(isRecord(value) ? value : {})) {
    const settings = isRecord(raw) ? raw : {};
    setEntry(out, name, {
      name,
      driver: typeof settings.driver === 'string' ? settings.driver : 'bridge',
      internal: settings.internal === true || settings.internal === 'true',
      labels: labels(settings.labels, ['networks', name, 'labels'], report),
    });
  }
  return out;
}

function declaredVolumes(value: unknown, report: Report): Record<string, VolumeSpec> {
  const out: Record<string, VolumeSpec> = {};
  for (const [name, raw] of Object.entries(isRecord(value) ? value : {})) {
    const settings = isRecord(raw) ? raw : {};
    const driverOpts: Record<string, string> = {};
    for (const [key, option] of Object.entries(isRecord(settings.driver_opts) ? settings.driver_opts : {})) {
      setEntry(driverOpts, key, String(option));
    }
    setEntry(out, name, {
      name,
      driver: typeof settings.driver === 'string' ? settings.driver : 'local',
      driverOpts,
      labels: labels(settings.labels, ['volumes', name, 'labels'], report),
    });
  }
  return out;
}

type DependencyPath = (service: string, target: string) => PathSegment[];

/**
 * Where `service` names `target`: its depends_on entry (a list index or a mapping key), else the
 * namespace join (`network_mode`, `pid`, `ipc`) that implies the dependency.
 */
function dependencyPath(raw: Record<string, unknown>): DependencyPath {
  return (service, target) => {
    const spec = isRecord(raw[service]) ? raw[service] : {};
    const list = spec.depends_on;
    const at: PathSegment[] = ['services', service, 'depends_on'];
    if (Array.isArray(list)) {
      const index = list.findIndex((name) => String(name) === target);
      if (index >= 0) return [...at, index];
    } else if (isRecord(list) && hasEntry(list, target)) {
      return [...at, target];
    }
    const join = JOIN_KEYS.find((key) => spec[key] === `service:${target}`);
    return join ? ['services', service, join] : [...at, target];
  };
}

/**
 * `network_mode`, `pid` or `ipc: service:X` depends on X as Compose infers it (started,
 * required, restart: true) unless depends_on already names X: X must run first, since its
 * namespace is joined at create.
 */
function addJoinDependencies(services: Record<string, ServiceSpec>): void {
  for (const service of Object.values(services)) {
    for (const key of JOIN_KEYS) {
      const ref = joinReference(joinValue(service, key) ?? '');
      if (ref?.kind !== 'service' || !services[ref.name] || ref.name === service.name) continue;
      if (hasEntry(service.dependsOn, ref.name)) continue;
      setEntry(service.dependsOn, ref.name, { condition: 'service_started', required: true, restart: true });
    }
  }
}

/**
 * depends_on and network_mode: service:X must name a service that runs (`pid`/`ipc` joins are the
 * policy's `namespaces.*` rules).
 */
function checkReferences(
  services: Record<string, ServiceSpec>,
  inactive: ReadonlySet<string>,
  where: DependencyPath,
  report: Report,
): void {
  const why = (target: string): string =>
    inactive.has(target)
      ? `service '${target}' is not deployed (it has profiles:)`
      : `there is no service '${target}'`;
  for (const service of Object.values(services)) {
    for (const [target, dependency] of Object.entries(service.dependsOn)) {
      if (services[target]) continue;
      // An optional dependency on a service that does not run is simply dropped, as in compose.
      if (!dependency.required && inactive.has(target)) {
        delete service.dependsOn[target];
        continue;
      }
      report(
        where(service.name, target),
        'stack.unknown-service',
        `services.${service.name} depends on ${target}, but ${why(target)}`,
      );
    }
    const shared = /^service:(.+)$/.exec(service.networkMode ?? '')?.[1];
    if (shared !== undefined && !services[shared]) {
      report(
        ['services', service.name, 'network_mode'],
        'stack.unknown-service',
        `network_mode of services.${service.name} names ${shared}, but ${why(shared)}`,
      );
    }
  }
}

/** A dependency cycle would leave every service in it waiting for another to start. */
function checkDependencyCycles(
  services: Record<string, ServiceSpec>,
  where: DependencyPath,
  report: Report,
): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    state.set(name, 'visiting');
    for (const next of Object.keys(services[name]?.dependsOn ?? {})) {
      if (!services[next]) continue;
      if (state.get(next) === 'visiting') {
        const cycle = [...trail.slice(trail.indexOf(next)), name, next];
        report(
          where(name, next),
          'stack.dependency-cycle',
          `depends_on forms a cycle: ${cycle.join(' -> ')}`,
        );
      } else if (!state.has(next)) {
        visit(next, [...trail, name]);
      }
    }
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) if (!state.has(name)) visit(name, []);
}

/**
 * Two containers cannot publish the same host port: neither two services, nor two replicas of
 * one service. Caught here rather than as a failed deploy.
 */
function checkPortConflicts(services: Record<string, ServiceSpec>, report: Report): void {
  // `published/protocol` -> who holds it, and on which host address ('' = all addresses).
  const taken = new Map<string, Array<{ ip: string; service: string }>>();
  for (const service of Object.values(services)) {
    const published = service.ports.findIndex((port) => port.published !== undefined);
    if (service.replicas > 1 && published >= 0) {
      report(
        ['services', service.name, 'ports', published],
        'stack.port-conflict',
        `services.${service.name} has ${service.replicas} replicas, but only one container can publish a given host port; publish no host port or run one replica`,
      );
      continue;
    }
    service.ports.forEach((port, index) => {
      if (port.published === undefined) return;
      const ip = !port.hostIp || port.hostIp === '0.0.0.0' || port.hostIp === '::' ? '' : port.hostIp;
      const key = `${port.published}/${port.protocol}`;
      const holders = taken.get(key) ?? [];
      const holder = holders.find((h) => h.ip === '' || ip === '' || h.ip === ip);
      if (holder) {
        report(
          ['services', service.name, 'ports', index],
          'stack.port-conflict',
          `host port ${key} is already published by services.${holder.service}`,
        );
        return;
      }
      taken.set(key, [...holders, { ip, service: service.name }]);
    });
  }
}
