/**
 * Pure: one compose service as the Swarm service spec the driver sends (`POST /services/create`
 * and `/services/{id}/update`). Every value comes from the model; nothing changes from one pass
 * to the next (no time, no counter), so an unchanged commit renders the same spec and the same
 * hash, and a pass sends nothing. `ForceUpdate` is the engine's: the driver copies the live one.
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { MountSpec, ServiceSpec, UpdateConfigSpec } from '../../stack/model.js';
import { LABEL, networkName, volumeName } from '../../stack/names.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { pinnedImage } from '../../util/image-ref.js';
import type { FileContents } from '../../model/file-contents.js';
import { objectReferences } from './file-objects.js';
import { projectLabels, serviceName, SPEC_HASH } from './names.js';

const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;

export interface SwarmServiceInput {
  project: string;
  spec: ServiceSpec;
  commit: string;
  /** The service's config hash (the containers' `spin.config-hash`). */
  configHash: string;
  /** The secrets' and configs' digests, which name the objects the service references. */
  contents?: FileContents;
}

/** The spec with its own hash in `spin.swarm-spec-hash`. */
export function swarmServiceSpec(input: SwarmServiceInput): Docker.ServiceSpec {
  const spec = specWithoutHash(input);
  const hash = swarmSpecHash(spec);
  return { ...spec, Labels: { ...spec.Labels, [SPEC_HASH]: hash } };
}

/** sha256 of the canonical spec, without its hash label and without the commit (`comparable`). */
export function swarmSpecHash(spec: Docker.ServiceSpec): string {
  const { [SPEC_HASH]: _own, ...labels } = comparable(spec).Labels ?? {};
  return createHash('sha256')
    .update(canonicalJson({ v: 'spin-swarm-v1', spec: { ...comparable(spec), Labels: labels } }))
    .digest('hex');
}

/**
 * The spec without the commit labels: a commit that does not change a service must not update
 * it (as on Docker, a service keeps the commit label of the commit that last changed it).
 */
export function comparable(spec: Docker.ServiceSpec): Docker.ServiceSpec {
  const { [LABEL.commit]: _commit, ...labels } = spec.Labels ?? {};
  const task = spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  const container = task?.ContainerSpec;
  if (!container) return { ...spec, Labels: labels };
  const { [LABEL.commit]: _c, ...containerLabels } = container.Labels ?? {};
  return {
    ...spec,
    Labels: labels,
    TaskTemplate: { ...task, ContainerSpec: { ...container, Labels: containerLabels } },
  };
}

function specWithoutHash({
  project,
  spec,
  commit,
  configHash,
  contents,
}: SwarmServiceInput): Docker.ServiceSpec {
  const labels = {
    ...projectLabels(project),
    [LABEL.service]: spec.name,
    [LABEL.commit]: commit,
    [LABEL.configHash]: configHash,
    [LABEL.image]: spec.image,
    ...(spec.imageDigest ? { [LABEL.imageDigest]: spec.imageDigest } : {}),
  };
  const service: Docker.ServiceSpec = {
    Name: serviceName(project, spec.name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        ...containerSpec(project, spec, labels),
        ...objectReferences(project, spec, contents),
      },
      Resources: {
        Limits: dropEmpty({
          MemoryBytes: spec.limits.memoryBytes,
          NanoCPUs: spec.limits.nanoCpus,
          Pids: spec.limits.pids,
        }),
        Reservations: dropEmpty({
          MemoryBytes: spec.reservations.memoryBytes,
          NanoCPUs: spec.reservations.nanoCpus,
        }),
      },
      RestartPolicy: restartPolicy(spec.restart),
      Placement: spec.placement && {
        Constraints: spec.placement.constraints,
        Preferences: spec.placement.preferences.map((SpreadDescriptor) => ({ Spread: { SpreadDescriptor } })),
      },
      Networks: Object.entries(spec.networks)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, att]) => ({ Target: networkName(project, key), Aliases: [spec.name, ...att.aliases] })),
      LogDriver: spec.logging && { Name: spec.logging.driver, Options: spec.logging.options },
    },
    Mode: { Replicated: { Replicas: spec.replicas } },
    UpdateConfig: updateConfig(spec.updateConfig),
    // Rolling back goes as carefully as rolling forward, and pauses if even that fails.
    RollbackConfig: { ...updateConfig(spec.updateConfig), FailureAction: 'pause' },
    EndpointSpec: {
      Mode: 'vip',
      Ports: spec.ports.map((p) => ({
        Protocol: p.protocol,
        TargetPort: p.target,
        PublishedPort: p.published,
        // Through the routing mesh on every node, or `mode: host` on the node that runs the task
        // (a host IP is refused either way: unsupported-fields.ts).
        PublishMode: p.mode === 'host' ? 'host' : 'ingress',
      })),
    },
  };
  return dropUndefined(service);
}

function containerSpec(
  project: string,
  spec: ServiceSpec,
  labels: Record<string, string>,
): Docker.ContainerSpec {
  const hc = spec.healthcheck;
  return {
    Image: pinnedImage(spec.image, spec.imageDigest),
    Labels: { ...spec.labels, ...labels },
    Command: spec.entrypoint,
    Args: spec.command,
    Hostname: spec.hostname,
    Env: Object.keys(spec.environment)
      .sort()
      .map((k) => `${k}=${spec.environment[k]}`),
    Dir: spec.workingDir,
    User: spec.user,
    Init: spec.init,
    TTY: spec.tty,
    OpenStdin: spec.stdinOpen,
    ReadOnly: spec.readOnly,
    Mounts: spec.mounts.map((m) => mount(project, m)),
    StopSignal: spec.stopSignal,
    StopGracePeriod: spec.stopGracePeriodSeconds * NS_PER_S,
    // The engine's JSON key is `Healthcheck` (dockerode's type says HealthCheck; the engine
    // accepts either on input but answers `Healthcheck`, which drift compares against).
    ...({
      Healthcheck: hc && {
        Test: hc.test,
        Interval: ms(hc.intervalMs),
        Timeout: ms(hc.timeoutMs),
        Retries: hc.retries,
        StartPeriod: ms(hc.startPeriodMs),
      },
    } as object),
    Hosts: spec.extraHosts.length ? spec.extraHosts.map(hostsEntry) : undefined,
    DNSConfig:
      spec.dns.length || spec.dnsSearch.length
        ? { Nameservers: spec.dns, Search: spec.dnsSearch }
        : undefined,
    Sysctls: Object.keys(spec.sysctls).length ? spec.sysctls : undefined,
    CapabilityAdd: spec.capAdd.length ? spec.capAdd : undefined,
    CapabilityDrop: spec.capDrop.length ? spec.capDrop : undefined,
    Ulimits: Object.entries(spec.ulimits).map(([Name, l]) => ({ Name, Soft: l.soft, Hard: l.hard })),
  };
}

/**
 * Named volumes and tmpfs only: a bind's host path would be each node's own (the capabilities
 * refuse binds, and the gate refuses a bind body that slipped through).
 */
function mount(project: string, m: MountSpec): Docker.MountSettings {
  if (m.type === 'tmpfs') {
    return {
      Type: 'tmpfs',
      Target: m.target,
      TmpfsOptions:
        m.sizeBytes !== undefined || m.mode !== undefined
          ? { SizeBytes: m.sizeBytes, Mode: m.mode }
          : undefined,
    } as Docker.MountSettings;
  }
  if (m.type === 'bind') return { Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly };
  return {
    Type: 'volume',
    // Created by each node's engine when a task needs it: node-local, labelled like the project's.
    Source: volumeName(project, m.source),
    Target: m.target,
    ReadOnly: m.readOnly,
    VolumeOptions: m.nocopy ? { NoCopy: true } : undefined,
  } as Docker.MountSettings;
}

function restartPolicy(restart: ServiceSpec['restart']): Docker.TaskRestartPolicy {
  // A replicated Swarm service keeps its replicas running: `docker stack deploy`'s default is
  // `any`, and Spin's model says `no` when a stack sets nothing, so only `on-failure` narrows it.
  // Swarm has no `unless-stopped` either: a task stopped by hand is replaced, as with `any`.
  if (restart === 'on-failure') return { Condition: 'on-failure' };
  return { Condition: 'any' };
}

function updateConfig(u: UpdateConfigSpec): Docker.UpdateConfig {
  return {
    Parallelism: u.parallelism,
    Delay: u.delayMs * NS_PER_MS,
    FailureAction: u.failureAction,
    Monitor: u.monitorMs * NS_PER_MS,
    MaxFailureRatio: 0,
    Order: u.order,
  };
}

/** compose `host:ip` (or `host=ip`) -> Swarm's `ip host` (the /etc/hosts order). */
function hostsEntry(entry: string): string {
  const at = entry.search(/[:=]/);
  return at < 0 ? entry : `${entry.slice(at + 1)} ${entry.slice(0, at)}`;
}

const ms = (value: number | undefined) => (value === undefined ? undefined : value * NS_PER_MS);

function dropEmpty<T extends object>(value: T): T | undefined {
  return Object.values(value).some((v) => v !== undefined) ? value : undefined;
}

/** The engine treats an explicit null differently from an absent key in places; send neither. */
function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The project's network as Swarm gets it: an attachable overlay, labelled for `docker stack`. */
export function swarmNetworkSpec(
  project: string,
  key: string,
  internal: boolean,
  labels: Record<string, string>,
) {
  return {
    Name: networkName(project, key),
    Driver: 'overlay',
    Attachable: false,
    Internal: internal,
    CheckDuplicate: true,
    Labels: { ...labels, ...projectLabels(project), [LABEL.network]: key },
  };
}
