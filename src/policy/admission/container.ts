/**
 * The last gate over a create-container body: every top-level key is known or refused, then
 * each value is judged against the policy. It reads only the body, never the stack, so whatever
 * the normaliser or the YAML rules missed is still seen as the engine would see it.
 */
import { parseContainerName } from '../../stack/names.js';
import { parseImageRef, registryAllowed } from '../syntax.js';
import {
  Findings,
  isObject,
  refuseUnknownKeys,
  type AdmissionContext,
  type AdmissionFinding,
} from './context.js';
import { judgeHealthcheck } from './healthcheck.js';
import { judgeHostConfig } from './host-config.js';
import { judgeEndpoint, judgeHostNames } from './host-names.js';
import { judgeHostPath } from './host-paths.js';
import { judgeStop } from './lifecycle.js';
import { judgeLabelSize, judgeRequestSize } from './request-size.js';

const TOP_LEVEL = new Set([
  'name',
  'Image',
  'Cmd',
  'Entrypoint',
  'Env',
  'Labels',
  'User',
  'WorkingDir',
  'Hostname',
  'Domainname',
  'StopSignal',
  'StopTimeout',
  'Tty',
  'OpenStdin',
  'ExposedPorts',
  'Healthcheck',
  'HostConfig',
  'NetworkingConfig',
]);
const ENDPOINT = new Set(['Aliases', 'IPAMConfig']);

/** Labels Spin itself puts on a container; any other key under a reserved prefix is refused. */
export const SPIN_CONTAINER_LABELS: readonly string[] = [
  'spin.managed',
  'spin.project',
  'spin.service',
  'spin.replica',
  'spin.commit',
  'spin.config-hash',
  'spin.image',
  'spin.image-digest',
];

export function admitContainer(body: unknown, service: string, ctx: AdmissionContext): AdmissionFinding[] {
  const f = new Findings(ctx, { kind: 'service', name: service });
  if (!isObject(body)) {
    f.add('admission.unknown-field', '', 'the create-container request is not an object');
    return f.list;
  }
  refuseUnknownKeys(f, body, '', TOP_LEVEL);
  judgeName(f, body.name, service);
  judgeImage(f, body.Image);
  judgeLabels(f, body.Labels, SPIN_CONTAINER_LABELS, ['labels'], {
    'spin.project': ctx.project,
    'spin.service': service,
  });
  judgeHealthcheck(f, body.Healthcheck);
  judgeStop(f, body);
  judgeHostNames(f, body);
  judgeNetworking(f, body.NetworkingConfig);
  judgeHostConfig(f, body.HostConfig);
  judgeIdentity(f, body);
  judgeRequestSize(f, body);
  return f.list;
}

/**
 * The engine name must be one of this project's for this service (a replica, or the temporary
 * `-next` of a start-first update): names are how the engine finds containers for `docker`
 * commands and joins, so a body must never take, or block, a name of another project.
 */
function judgeName(f: Findings, name: unknown, service: string): void {
  const replica = typeof name === 'string' ? parseContainerName(name.replace(/-next$/, '')) : undefined;
  if (replica?.project === f.ctx.project && replica.service === service) return;
  f.add(
    'isolation.container-name',
    'name',
    `container name ${JSON.stringify(name)} is not one of project ${f.ctx.project}'s names for service ${service}`,
    [],
  );
}

/** A container that binds an allowed root (a global filesystem) runs as a numeric non-root UID[:GID]. */
function judgeIdentity(f: Findings, body: Record<string, unknown>): void {
  if (!f.enabled('identity')) return;
  const hc = isObject(body.HostConfig) ? body.HostConfig : {};
  const mounts = Array.isArray(hc.Mounts) ? hc.Mounts : [];
  const reachesRoot = mounts.some((m) => {
    if (!isObject(m) || m.Type !== 'bind') return false;
    const verdict = judgeHostPath(m.Source, f.ctx);
    return verdict.ok && !verdict.spin;
  });
  if (!reachesRoot) return;
  const user = typeof body.User === 'string' ? body.User : '';
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m || Number(m[1]) === 0 || (m[2] !== undefined && Number(m[2]) === 0)) {
    f.add(
      'identity.non-root-user',
      'User',
      `the container binds a global filesystem, so it must run as a numeric non-root UID[:GID], not "${user}"`,
      ['user'],
      ['volumes'],
    );
  }
}

function judgeImage(f: Findings, image: unknown): void {
  if (typeof image !== 'string' || image === '') {
    f.add('image.registry', 'Image', 'the request names no image', ['image']);
    return;
  }
  if (!f.enabled('images')) return;
  if (!registryAllowed(parseImageRef(image), f.policy.images.registries)) {
    f.add('image.registry', 'Image', `image "${image}" is not from an allowed registry`, ['image']);
  }
}

/** Reserved label prefixes belong to Spin: only its own keys, with the values it sets. */
export function judgeLabels(
  f: Findings,
  labels: unknown,
  own: readonly string[],
  field: (string | number)[],
  expected: Readonly<Record<string, string>>,
): void {
  if (labels === undefined) return;
  if (!isObject(labels)) {
    f.add('isolation.reserved-label', 'Labels', 'Labels is not a map', field);
    return;
  }
  judgeLabelSize(f, labels, field);
  const prefixes = f.policy.isolation.reservedLabelPrefixes;
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string')
      f.add('isolation.reserved-label', `Labels.${key}`, `label ${key} is not text`, [...field, key], field);
    if (!prefixes.some((p) => key.toLowerCase().startsWith(p.toLowerCase()))) continue;
    if (!own.includes(key))
      f.add(
        'isolation.reserved-label',
        `Labels.${key}`,
        `label ${key} uses a prefix reserved for Spin; rename it`,
        [...field, key],
        field,
      );
    else if (expected[key] !== undefined && expected[key] !== value)
      f.add(
        'isolation.reserved-label',
        `Labels.${key}`,
        `label ${key} is "${String(value)}", not "${expected[key]}"`,
        [...field, key],
        field,
      );
  }
}

function judgeNetworking(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    f.add('admission.unknown-field', 'NetworkingConfig', 'NetworkingConfig is not an object');
    return;
  }
  refuseUnknownKeys(f, value, 'NetworkingConfig.', new Set(['EndpointsConfig']));
  const endpoints = isObject(value.EndpointsConfig) ? value.EndpointsConfig : {};
  for (const [name, endpoint] of Object.entries(endpoints)) {
    if (!name.startsWith(`${f.ctx.project}_`)) {
      f.add(
        'isolation.network-mode',
        `NetworkingConfig.EndpointsConfig.${name}`,
        `network "${name}" is not one of this project's networks`,
        ['networks'],
      );
    }
    const at = `NetworkingConfig.EndpointsConfig.${name}.`;
    if (!isObject(endpoint)) {
      f.add('admission.unknown-field', at, 'the endpoint is not an object', ['networks']);
      continue;
    }
    refuseUnknownKeys(f, endpoint, at, ENDPOINT);
    judgeEndpoint(f, endpoint, at, name.slice(f.ctx.project.length + 1));
  }
}
