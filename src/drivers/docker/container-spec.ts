import type Docker from 'dockerode';
import type { MountSpec, ServiceSpec } from '../../stack/model.js';
import type { ContainerRequest } from './container-driver.js';
import { LABEL, networkName } from '../../stack/names.js';
import { joinReference, type JoinKey } from '../../stack/joins.js';
import { pinnedImage } from '../../util/image-ref.js';

const NS_PER_MS = 1_000_000;

/**
 * Pure: the engine's create-container body for one replica. Only the first network can be given
 * at create time on API 1.41; the others are returned for the driver to connect before start.
 */
export function containerCreateOptions(req: Omit<ContainerRequest, 'admission'>): {
  options: Docker.ContainerCreateOptions;
  extraNetworks: { name: string; aliases: string[] }[];
} {
  const { spec, project } = req;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    if (p.published !== undefined || p.hostIp !== undefined) {
      (bindings[key] ??= []).push({
        HostIp: p.hostIp ?? '',
        HostPort: p.published === undefined ? '' : String(p.published),
      });
    }
  }
  const networks = Object.entries(spec.networks).sort(([a], [b]) => a.localeCompare(b));
  const endpoint = ([key, att]: [string, ServiceSpec['networks'][string]]) => ({
    name: networkName(project, key),
    aliases: [spec.name, ...att.aliases],
    ipv4: att.ipv4Address,
    ipv6: att.ipv6Address,
  });
  const [first, ...rest] = networks.map(endpoint);
  const networkMode = joinMode(req, 'network_mode', spec.networkMode) ?? first?.name ?? 'none';

  const options: Docker.ContainerCreateOptions = {
    name: req.name,
    // Every replica runs the pinned manifest; the stack's own reference stays in a label.
    Image: pinnedImage(spec.image, spec.imageDigest),
    Cmd: spec.command,
    Entrypoint: spec.entrypoint,
    Env: Object.keys(spec.environment)
      .sort()
      .map((k) => `${k}=${spec.environment[k]}`),
    Labels: {
      ...spec.labels,
      [LABEL.managed]: 'true',
      [LABEL.project]: project,
      [LABEL.service]: spec.name,
      [LABEL.replica]: String(req.replica),
      [LABEL.commit]: req.commit,
      [LABEL.configHash]: req.configHash,
      [LABEL.image]: spec.image,
      ...(spec.imageDigest ? { [LABEL.imageDigest]: spec.imageDigest } : {}),
    },
    User: spec.user,
    WorkingDir: spec.workingDir,
    Hostname: spec.hostname,
    Domainname: spec.domainname,
    StopSignal: spec.stopSignal,
    StopTimeout: spec.stopGracePeriodSeconds,
    Tty: spec.tty,
    OpenStdin: spec.stdinOpen,
    ExposedPorts: exposed,
    Healthcheck: spec.healthcheck && {
      Test: spec.healthcheck.test,
      Interval: ms(spec.healthcheck.intervalMs),
      Timeout: ms(spec.healthcheck.timeoutMs),
      Retries: spec.healthcheck.retries,
      StartPeriod: ms(spec.healthcheck.startPeriodMs),
    },
    HostConfig: {
      NetworkMode: networkMode,
      PortBindings: bindings,
      Mounts: spec.mounts.map((m) => engineMount(m, req)),
      RestartPolicy: { Name: spec.restart === 'no' ? '' : spec.restart },
      Memory: spec.limits.memoryBytes,
      NanoCpus: spec.limits.nanoCpus,
      PidsLimit: spec.limits.pids,
      MemoryReservation: spec.reservations.memoryBytes,
      CapAdd: spec.capAdd.length ? spec.capAdd : undefined,
      CapDrop: spec.capDrop.length ? spec.capDrop : undefined,
      SecurityOpt: spec.securityOpt.length ? spec.securityOpt : undefined,
      ExtraHosts: spec.extraHosts.length ? spec.extraHosts : undefined,
      Dns: spec.dns.length ? spec.dns : undefined,
      DnsSearch: spec.dnsSearch.length ? spec.dnsSearch : undefined,
      Sysctls: Object.keys(spec.sysctls).length ? spec.sysctls : undefined,
      Ulimits: Object.entries(spec.ulimits).map(([Name, l]) => ({ Name, Soft: l.soft, Hard: l.hard })),
      Tmpfs: spec.tmpfs.length ? Object.fromEntries(spec.tmpfs.map(tmpfsEntry)) : undefined,
      ShmSize: spec.shmSizeBytes,
      Privileged: spec.privileged,
      PidMode: joinMode(req, 'pid', spec.pid),
      IpcMode: joinMode(req, 'ipc', spec.ipc),
      Init: spec.init,
      ReadonlyRootfs: spec.readOnly,
      LogConfig: spec.logging && { Type: spec.logging.driver, Config: spec.logging.options },
    },
    NetworkingConfig:
      first && !spec.networkMode
        ? {
            EndpointsConfig: {
              [first.name]: {
                Aliases: first.aliases,
                IPAMConfig:
                  first.ipv4 || first.ipv6 ? { IPv4Address: first.ipv4, IPv6Address: first.ipv6 } : undefined,
              },
            },
          }
        : undefined,
  };
  return {
    options: dropUndefined(options),
    extraNetworks: spec.networkMode ? [] : rest.map((n) => ({ name: n.name, aliases: n.aliases })),
  };
}

/**
 * A join (`service:X`/`container:X`) reaches the engine only as `container:<id>` of the container
 * the driver resolved by label (req.joined), never as a name the engine would look up itself.
 */
function joinMode(
  req: Omit<ContainerRequest, 'admission'>,
  key: JoinKey,
  value: string | undefined,
): string | undefined {
  if (value === undefined || !joinReference(value)) return value;
  const id = req.joined?.[key];
  // Unresolved, the value goes as written: the last gate refuses any join it cannot hold to this
  // project's own containers, so such a body never reaches the engine.
  return id ? `container:${id}` : value;
}

function engineMount(m: MountSpec, req: Omit<ContainerRequest, 'admission'>): Docker.MountSettings {
  if (m.type === 'volume') {
    return {
      Type: 'volume',
      Source: `${req.project}_${m.source}`,
      Target: m.target,
      ReadOnly: m.readOnly,
      VolumeOptions: m.nocopy ? { NoCopy: true } : undefined,
    } as Docker.MountSettings;
  }
  if (m.type === 'bind') {
    return {
      Type: 'bind',
      Source: req.resolveBindSource(m.source),
      Target: m.target,
      ReadOnly: m.readOnly,
      BindOptions: m.propagation ? { Propagation: m.propagation } : undefined,
    } as Docker.MountSettings;
  }
  return {
    Type: 'tmpfs',
    Target: m.target,
    TmpfsOptions:
      m.sizeBytes !== undefined || m.mode !== undefined
        ? { SizeBytes: m.sizeBytes, Mode: m.mode }
        : undefined,
  } as Docker.MountSettings;
}

function tmpfsEntry(entry: string): [string, string] {
  const at = entry.indexOf(':');
  return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
}

const ms = (value: number | undefined) => (value === undefined ? undefined : value * NS_PER_MS);

/** The engine treats an explicit null differently from an absent key in places; send neither. */
function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
