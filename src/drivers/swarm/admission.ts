/**
 * The last gate over the exact Swarm requests the driver sends. A Swarm service spec says
 * nothing the gate has not already learnt to judge on Docker, only in other words; so each spec
 * is (1) held to an allow list of its own keys, with what Swarm alone can express judged here
 * (networks, placement, published ports, the service mode), and (2) translated, field by field,
 * into the create-container body Docker's gate judges (`admitContainer`): privileged, host
 * namespaces, capabilities, mounts outside the allowed roots, devices, sysctls, resources,
 * logging, labels ... are refused on Swarm exactly as on Docker. A key not translated is refused.
 */
import type Docker from 'dockerode';
import {
  admitContainer,
  admitNetwork,
  admitProject,
  type AdmissionContext,
  type AdmissionFinding,
} from '../../policy/admission/index.js';
import { placementAllowed } from '../../policy/placement.js';
import { containerName } from '../../stack/names.js';
import { SPEC_HASH } from './names.js';

type Json = Record<string, unknown>;

const SERVICE_KEYS = [
  'Name',
  'Labels',
  'TaskTemplate',
  'Mode',
  'UpdateConfig',
  'RollbackConfig',
  'EndpointSpec',
];
const TASK_KEYS = [
  'ContainerSpec',
  'Resources',
  'RestartPolicy',
  'Placement',
  'Networks',
  'LogDriver',
  'ForceUpdate',
];
/** Container spec keys, and the create-container key each becomes for Docker's gate. */
const CONTAINER_KEYS: Record<string, string | null> = {
  Image: 'Image',
  Labels: 'Labels',
  Command: 'Entrypoint',
  Args: 'Cmd',
  Hostname: 'Hostname',
  Env: 'Env',
  Dir: 'WorkingDir',
  User: 'User',
  TTY: 'Tty',
  OpenStdin: 'OpenStdin',
  StopSignal: 'StopSignal',
  Healthcheck: 'Healthcheck',
  // Translated into HostConfig below.
  Init: null,
  ReadOnly: null,
  Mounts: null,
  StopGracePeriod: null,
  Hosts: null,
  DNSConfig: null,
  Sysctls: null,
  CapabilityAdd: null,
  CapabilityDrop: null,
  Ulimits: null,
  // Judged here: files from this project's own secret and config objects.
  Secrets: null,
  Configs: null,
};
/** What a Swarm spec can carry that Spin never sends, named so a refusal says why. */
const NEVER: Record<string, string> = {
  Privileges: 'Swarm privileges (credential specs, SELinux, seccomp, AppArmor) are not available',
  Isolation: 'container isolation modes are not available',
  Groups: 'supplementary groups are not available',
  Runtime: 'task runtimes (plugins, network attachments) are not available',
  PluginSpec: 'plugins are not available',
};
const SPN = 1_000_000_000;

export interface SwarmRequests {
  services: { service: string; replicas: number; body: Docker.ServiceSpec }[];
  networks: { key: string; body: unknown }[];
}

/** The whole commit: each spec, each network, and the per-project sums Docker's gate keeps. */
export function admitSwarmProject(requests: SwarmRequests, ctx: AdmissionContext): AdmissionFinding[] {
  const out: AdmissionFinding[] = [];
  for (const s of requests.services) out.push(...judgeSwarmService(s.body, s.service, ctx));
  for (const n of requests.networks) out.push(...admitSwarmNetwork(n.body, n.key, ctx));
  const containers = requests.services.map((s) => ({
    service: s.service,
    replicas: s.replicas,
    body: containerView(obj(s.body), ctx, s.service),
  }));
  out.push(...admitProject({ containers, volumes: [], networks: [] }, ctx));
  return out;
}

/** One service spec as sent: Swarm's own keys here, the rest through Docker's gate. */
export function admitSwarmService(spec: unknown, service: string, ctx: AdmissionContext): AdmissionFinding[] {
  return [
    ...judgeSwarmService(spec, service, ctx),
    ...admitContainer(containerView(obj(spec), ctx, service), service, ctx),
  ];
}

/** What only a Swarm spec can say: its allow lists, its name, networks, placement, endpoint, mode. */
function judgeSwarmService(spec: unknown, service: string, ctx: AdmissionContext): AdmissionFinding[] {
  const found: AdmissionFinding[] = [];
  const add = (
    rule: AdmissionFinding['rule'],
    request: string,
    message: string,
    ...fields: (string | number)[][]
  ) => found.push({ rule, message, subject: { kind: 'service', name: service }, fields, request });
  const s = obj(spec);
  unknownKeys(s, SERVICE_KEYS, '', add);
  const task = obj(s.TaskTemplate);
  unknownKeys(task, TASK_KEYS, 'TaskTemplate.', add);
  const container = obj(task.ContainerSpec);
  unknownKeys(container, Object.keys(CONTAINER_KEYS), 'TaskTemplate.ContainerSpec.', add);

  const expected = `${ctx.project}_${service}`;
  if (s.Name !== expected)
    add('isolation.container-name', 'Name', `service name ${JSON.stringify(s.Name)} is not ${expected}`, []);
  const mode = obj(s.Mode);
  if (Object.keys(mode).some((k) => k !== 'Replicated'))
    add('engine.unsupported', 'Mode', 'only replicated services are available (deploy.mode)', [
      'deploy',
      'mode',
    ]);
  judgeNetworks(task.Networks, ctx, add);
  judgeObjectFiles(container.Secrets, 'Secrets', 'Secret', ctx, add);
  judgeObjectFiles(container.Configs, 'Configs', 'Config', ctx, add);
  judgePlacement(obj(task.Placement), ctx, add);
  judgeEndpoint(obj(s.EndpointSpec), add);
  // The service's own labels are the containers' (ContainerSpec.Labels) plus the spec hash.
  const { [SPEC_HASH]: _hash, ...serviceLabels } = obj(s.Labels) as Record<string, string>;
  const containerLabels = obj(container.Labels);
  for (const [key, value] of Object.entries(serviceLabels)) {
    if (containerLabels[key] !== value)
      add('isolation.reserved-label', `Labels.${key}`, `service label ${key} differs from the containers'`, [
        'labels',
      ]);
  }
  return found;
}

/** An overlay that only the project's services join (not attachable), else Docker's network gate. */
export function admitSwarmNetwork(body: unknown, key: string, ctx: AdmissionContext): AdmissionFinding[] {
  const { Driver, Attachable, ...rest } = obj(body);
  const found: AdmissionFinding[] = [];
  const refuse = (request: string, message: string) =>
    found.push({
      rule: 'isolation.network-driver',
      message,
      subject: { kind: 'network', name: key },
      fields: [['driver']],
      request,
    });
  if (Driver !== 'overlay')
    refuse('Driver', `network driver ${JSON.stringify(Driver)} is not a Swarm overlay`);
  if (Attachable !== false && Attachable !== undefined)
    refuse('Attachable', 'an attachable overlay would let any container of a node join the project network');
  return [...found, ...admitNetwork(rest, key, ctx)];
}

/** Every network a task joins is one of this project's (`<project>_<key>`): never host, ingress or another's. */
function judgeNetworks(networks: unknown, ctx: AdmissionContext, add: Add): void {
  if (networks === undefined) return;
  if (!Array.isArray(networks))
    return add('isolation.network-mode', 'TaskTemplate.Networks', 'Networks is not a list', ['networks']);
  networks.forEach((n, i) => {
    const { Target, Aliases, ...rest } = obj(n);
    unknownKeys(rest, [], `TaskTemplate.Networks.${i}.`, add);
    const name = typeof Target === 'string' ? Target : '';
    const key = name.startsWith(`${ctx.project}_`) ? name.slice(ctx.project.length + 1) : '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key))
      add(
        'isolation.network-mode',
        `TaskTemplate.Networks.${i}.Target`,
        `network ${JSON.stringify(Target)} is not one of project ${ctx.project}'s`,
        ['networks'],
      );
    if (Aliases !== undefined && !(Array.isArray(Aliases) && Aliases.every((a) => typeof a === 'string')))
      add('isolation.network-mode', `TaskTemplate.Networks.${i}.Aliases`, 'Aliases is not a list of names', [
        'networks',
      ]);
  });
}

/**
 * Each secret or config file comes from one of this project's objects (`<project>_<key>_<hash>`,
 * never another project's), at an absolute, normalised path, with plain permission bits.
 */
function judgeObjectFiles(
  list: unknown,
  field: 'Secrets' | 'Configs',
  word: 'Secret' | 'Config',
  ctx: AdmissionContext,
  add: Add,
): void {
  if (list === undefined) return;
  const at = `TaskTemplate.ContainerSpec.${field}`;
  const stackField = field.toLowerCase();
  if (!Array.isArray(list))
    return add('isolation.container-name', at, `${field} is not a list`, [stackField]);
  list.forEach((entry, i) => {
    const e = obj(entry);
    const where = `${at}.${i}`;
    unknownKeys(e, ['File', `${word}ID`, `${word}Name`], `${where}.`, add);
    const name = e[`${word}Name`];
    const prefix = `${ctx.project}_`;
    if (
      typeof name !== 'string' ||
      !name.startsWith(prefix) ||
      !/^[A-Za-z0-9][A-Za-z0-9._-]*_[0-9a-f]+$/.test(name.slice(prefix.length))
    )
      add(
        'isolation.container-name',
        `${where}.${word}Name`,
        `${word.toLowerCase()} ${JSON.stringify(name)} is not one of project ${ctx.project}'s`,
        [stackField, i],
      );
    const id = e[`${word}ID`];
    if (id !== undefined && (typeof id !== 'string' || !/^[a-z0-9]+$/.test(id)))
      add('admission.unknown-field', `${where}.${word}ID`, `${word}ID is not an object id`, [stackField, i]);
    const file = obj(e.File);
    unknownKeys(file, ['Name', 'UID', 'GID', 'Mode'], `${where}.File.`, add);
    const target = file.Name;
    if (
      typeof target !== 'string' ||
      !target.startsWith('/') ||
      target === '/' ||
      target.split('/').some((part, k) => k > 0 && (part === '' || part === '.' || part === '..'))
    )
      add(
        'admission.unknown-field',
        `${where}.File.Name`,
        `the target ${JSON.stringify(target)} is not an absolute, normalised file path`,
        [stackField, i],
      );
    const mode = file.Mode;
    if (
      mode !== undefined &&
      (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777)
    )
      add(
        'admission.unknown-field',
        `${where}.File.Mode`,
        'the mode allows permission bits only (0 to 0777)',
        [stackField, i],
      );
    for (const owner of ['UID', 'GID'] as const) {
      const value = file[owner];
      if (value !== undefined && (typeof value !== 'string' || !/^[0-9]+$/.test(value)))
        add('admission.unknown-field', `${where}.File.${owner}`, `${owner} is not a numeric id`, [
          stackField,
          i,
        ]);
    }
  });
}

/** Node constraints and spreads only on the node labels the policy grants (`isolation.placement`). */
function judgePlacement(placement: Json, ctx: AdmissionContext, add: Add): void {
  unknownKeys(placement, ['Constraints', 'Preferences'], 'TaskTemplate.Placement.', add);
  const allowed = ctx.policy.isolation.placement;
  const listed = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
  listed(placement.Constraints).forEach((c, i) => {
    if (typeof c !== 'string' || !placementAllowed(c, allowed))
      add(
        'isolation.placement',
        `TaskTemplate.Placement.Constraints.${i}`,
        `placement constraint ${JSON.stringify(c)} is not allowed by the policy`,
        ['deploy', 'placement', 'constraints', i],
      );
  });
  listed(placement.Preferences).forEach((p, i) => {
    const spread = obj(obj(p).Spread).SpreadDescriptor;
    if (typeof spread !== 'string' || !placementAllowed(spread, allowed))
      add(
        'isolation.placement',
        `TaskTemplate.Placement.Preferences.${i}`,
        `placement preference ${JSON.stringify(spread)} is not allowed by the policy`,
        ['deploy', 'placement', 'preferences', i],
      );
  });
}

function judgeEndpoint(endpoint: Json, add: Add): void {
  unknownKeys(endpoint, ['Mode', 'Ports'], 'EndpointSpec.', add);
  if (endpoint.Mode !== undefined && endpoint.Mode !== 'vip' && endpoint.Mode !== 'dnsrr')
    add(
      'admission.unknown-field',
      'EndpointSpec.Mode',
      `endpoint mode ${JSON.stringify(endpoint.Mode)} is not known`,
      [],
    );
  listOf(endpoint.Ports).forEach((p, i) => {
    const port = obj(p);
    unknownKeys(
      port,
      ['Protocol', 'TargetPort', 'PublishedPort', 'PublishMode'],
      `EndpointSpec.Ports.${i}.`,
      add,
    );
    if (port.PublishMode !== undefined && port.PublishMode !== 'ingress' && port.PublishMode !== 'host')
      add(
        'admission.unknown-field',
        `EndpointSpec.Ports.${i}.PublishMode`,
        'publish mode is neither ingress nor host',
        ['ports', i],
      );
  });
}

/**
 * The service as Docker's gate reads a container: every setting the task's containers get, under
 * the create-container key that means the same thing. Published ports become host port bindings
 * (each node publishes them, through the routing mesh or in `mode: host`).
 */
export function containerView(spec: Json, ctx: AdmissionContext, service: string): Json {
  const task = obj(spec.TaskTemplate);
  const c = obj(task.ContainerSpec);
  const body: Json = { name: containerName(ctx.project, service, 1) };
  for (const [from, to] of Object.entries(CONTAINER_KEYS))
    if (to && c[from] !== undefined) body[to] = c[from];
  if (c.StopGracePeriod !== undefined)
    body.StopTimeout =
      typeof c.StopGracePeriod === 'number' ? Math.ceil(c.StopGracePeriod / SPN) : c.StopGracePeriod;
  const limits = obj(obj(task.Resources).Limits);
  const reservations = obj(obj(task.Resources).Reservations);
  const ports = listOf(obj(spec.EndpointSpec).Ports).map(obj);
  const exposed: Json = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) {
    const key = `${String(p.TargetPort)}/${String(p.Protocol ?? 'tcp')}`;
    exposed[key] = {};
    if (p.PublishedPort !== undefined)
      (bindings[key] ??= []).push({ HostIp: '', HostPort: String(p.PublishedPort) });
  }
  if (ports.length) body.ExposedPorts = exposed;
  const dns = obj(c.DNSConfig);
  const { Nameservers, Search, ...dnsRest } = dns;
  const restart = obj(task.RestartPolicy);
  const hostConfig: Json = {
    NetworkMode: firstNetwork(task.Networks) ?? 'none',
    PortBindings: bindings,
    Mounts: c.Mounts,
    RestartPolicy: { Name: restartName(restart.Condition) },
    Memory: limits.MemoryBytes,
    NanoCpus: limits.NanoCPUs,
    PidsLimit: limits.Pids,
    MemoryReservation: reservations.MemoryBytes,
    CapAdd: c.CapabilityAdd,
    CapDrop: c.CapabilityDrop,
    ExtraHosts: Array.isArray(c.Hosts) ? c.Hosts.map(composeHost) : c.Hosts,
    Dns: Nameservers,
    DnsSearch: Search,
    Sysctls: c.Sysctls,
    Ulimits: c.Ulimits,
    Init: c.Init,
    ReadonlyRootfs: c.ReadOnly,
    LogConfig: task.LogDriver && { Type: obj(task.LogDriver).Name, Config: obj(task.LogDriver).Options },
  };
  // Keys Docker's HostConfig does not have refuse themselves as unknown there, named as Swarm's.
  for (const key of Object.keys(dnsRest)) hostConfig[`DNSConfig.${key}`] = dnsRest[key];
  for (const key of Object.keys(limits))
    if (!['MemoryBytes', 'NanoCPUs', 'Pids'].includes(key))
      hostConfig[`Resources.Limits.${key}`] = limits[key];
  for (const key of Object.keys(reservations))
    if (!['MemoryBytes', 'NanoCPUs'].includes(key))
      hostConfig[`Resources.Reservations.${key}`] = reservations[key];
  for (const key of Object.keys(restart))
    if (key !== 'Condition') hostConfig[`RestartPolicy.${key}`] = restart[key];
  body.HostConfig = JSON.parse(JSON.stringify(hostConfig)) as Json;
  // A container joins its first network at create time; the gate's networking judge reads it.
  return body;
}

type Add = (
  rule: AdmissionFinding['rule'],
  request: string,
  message: string,
  ...fields: (string | number)[][]
) => void;

function unknownKeys(value: Json, known: readonly string[], at: string, add: Add): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const never = NEVER[key];
    if (never) add('engine.unsupported', `${at}${key}`, never);
    else
      add(
        'admission.unknown-field',
        `${at}${key}`,
        `the Swarm request carries ${at}${key}, which the gate does not know; Spin refuses what it cannot judge`,
      );
  }
}

function firstNetwork(networks: unknown): string | undefined {
  const first = listOf(networks)[0];
  const target = obj(first).Target;
  return typeof target === 'string' ? target : undefined;
}

function restartName(condition: unknown): string {
  if (condition === 'none' || condition === undefined) return '';
  if (condition === 'on-failure') return 'on-failure';
  if (condition === 'any') return 'always';
  return String(condition);
}

/** Swarm's `ip host` back to compose's `host:ip` for Docker's ExtraHosts judge. */
function composeHost(entry: unknown): unknown {
  if (typeof entry !== 'string') return entry;
  const [ip, ...names] = entry.trim().split(/\s+/);
  return names.length === 1 ? `${names[0]}:${ip}` : entry;
}

function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
