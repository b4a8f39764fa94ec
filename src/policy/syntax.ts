/**
 * Readers for the Compose short and long syntaxes the rules must see through: service volumes,
 * published ports and image references. Each result keeps the document path of the list item
 * and of the field inside it, so a refusal points at what the user wrote.
 */
import type { PathSegment } from '../stack/diagnostics.js';
import { shortMountFlags } from '../stack/mounts.js';
import { parseBoolean } from '../util/units.js';
import { asList, asRecord, has, isRecord, text } from './helpers.js';

export interface MountEntry {
  /** `bind`, `volume`, `tmpfs`, `npipe`, `image`, `cluster` (lower case). */
  type: string;
  source?: string;
  target?: string;
  readOnly: boolean;
  propagation?: string;
  /** The list item. */
  path: PathSegment[];
  /** Where the source is written: `source` in the long syntax, otherwise the item. */
  sourcePath: PathSegment[];
  propagationPath: PathSegment[];
}

/** The entries of a service's `volumes:` in either syntax. */
export function serviceMounts(
  service: Record<string, unknown>,
  servicePath: readonly PathSegment[],
): MountEntry[] {
  return asList(service.volumes).flatMap((item, i) => {
    const mount = parseMount(item, [...servicePath, 'volumes', i]);
    return mount ? [mount] : [];
  });
}

function parseMount(item: unknown, path: PathSegment[]): MountEntry | undefined {
  const short = text(item);
  if (short !== undefined) return parseShortMount(short, path);
  if (!isRecord(item)) return undefined;
  const bind = asRecord(item.bind);
  return {
    type: (text(item.type) ?? 'volume').trim().toLowerCase(),
    source: text(item.source),
    target: text(item.target),
    // Read as the normaliser reads them (parseBoolean, the value as written), not more kindly.
    readOnly: parseBoolean(item.read_only) ?? false,
    propagation: typeof bind.propagation === 'string' ? bind.propagation : undefined,
    path,
    sourcePath: has(item, 'source') ? [...path, 'source'] : path,
    propagationPath: has(bind, 'propagation') ? [...path, 'bind', 'propagation'] : path,
  };
}

/** `SOURCE:TARGET[:OPTIONS]`; a source starting with `.`, `/` or `~` is a host path (a bind). */
function parseShortMount(spec: string, path: PathSegment[]): MountEntry {
  const parts = spec.split(':');
  if (parts.length === 1)
    return { type: 'volume', target: spec, readOnly: false, path, sourcePath: path, propagationPath: path };
  const [source = '', target, ...rest] = parts;
  const options = rest.length === 0 ? [] : rest.join(',').split(',');
  const first = source.charAt(0);
  const isPath = first === '.' || first === '/' || first === '~';
  // The normaliser's own reading (last ro/rw and propagation win), so `ro,rw` is writable here too.
  const flags = shortMountFlags(options);
  return {
    type: isPath ? 'bind' : 'volume',
    source,
    target,
    readOnly: flags.readOnly,
    propagation: flags.propagation,
    path,
    sourcePath: path,
    propagationPath: path,
  };
}

export interface PortRange {
  low: number;
  high: number;
}

export interface PortEntry {
  /** The published host port(s); undefined when the engine picks one. */
  published?: PortRange;
  /** Set when the published part is not a port or a range. */
  invalid?: string;
  hostIp?: string;
  path: PathSegment[];
  publishedPath: PathSegment[];
  hostIpPath: PathSegment[];
}

/** The entries of a service's `ports:` in either syntax. */
export function servicePorts(
  service: Record<string, unknown>,
  servicePath: readonly PathSegment[],
): PortEntry[] {
  return asList(service.ports).flatMap((item, i): PortEntry[] => {
    const path = [...servicePath, 'ports', i];
    if (typeof item === 'number') return [{ path, publishedPath: path, hostIpPath: path }];
    if (typeof item === 'string') return [parseShortPort(item, path)];
    if (!isRecord(item)) return [];
    const { published, invalid } = parsePublished(item.published);
    return [
      {
        published,
        invalid,
        hostIp: text(item.host_ip)?.trim() || undefined,
        path,
        publishedPath: has(item, 'published') ? [...path, 'published'] : path,
        hostIpPath: has(item, 'host_ip') ? [...path, 'host_ip'] : path,
      },
    ];
  });
}

/** `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, HOST_IP possibly `[v6]`, ports possibly ranges. */
function parseShortPort(spec: string, path: PathSegment[]): PortEntry {
  let rest = spec.trim();
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.slice(0, slash);
  let hostIp: string | undefined;
  let parts: string[];
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    hostIp = rest.slice(1, end < 0 ? undefined : end);
    parts =
      end < 0
        ? []
        : rest
            .slice(end + 1)
            .replace(/^:/, '')
            .split(':');
  } else {
    parts = rest.split(':');
    if (parts.length > 2) hostIp = parts.splice(0, parts.length - 2).join(':');
  }
  const { published, invalid } = parsePublished(parts.length >= 2 ? parts[0] : undefined);
  return {
    published,
    invalid,
    hostIp: hostIp?.trim() || undefined,
    path,
    publishedPath: path,
    hostIpPath: path,
  };
}

function parsePublished(value: unknown): { published?: PortRange; invalid?: string } {
  const s = text(value)?.trim();
  if (s === undefined || s === '') return {};
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(s);
  if (!m) return { invalid: s };
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low === 0 && high === 0) return {};
  return { published: { low: Math.min(low, high), high: Math.max(low, high) } };
}

export interface ImageRef {
  /** Registry host, lower case; Docker Hub is `docker.io`. */
  registry: string;
  /** Repository path inside the registry (`library/nginx` for official images). */
  repository: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** Split an image reference the way the engine does. */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || undefined;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1) || undefined;
    rest = rest.slice(0, colon);
  }
  let registry = 'docker.io';
  let repository = rest;
  const slash = rest.indexOf('/');
  const head = slash < 0 ? '' : rest.slice(0, slash);
  if (head.includes('.') || head.includes(':') || head === 'localhost') {
    registry = head.toLowerCase();
    repository = rest.slice(slash + 1);
  }
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = 'docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  return { registry, repository, tag, digest };
}

/** `*`, an exact registry, `*.domain`, or `registry/path` (a repository prefix). */
export function registryAllowed(ref: ImageRef, patterns: readonly string[]): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return patterns.some((raw) => {
    const pattern = raw.trim().toLowerCase().replace(/\/+$/, '');
    if (pattern === '*') return true;
    if (pattern.startsWith('*.')) return ref.registry.endsWith(pattern.slice(1));
    if (pattern.includes('/')) {
      const [host = '', ...path] = pattern.split('/');
      const prefix = `${DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host}/${path.join('/')}`;
      return full === prefix || full.startsWith(`${prefix}/`);
    }
    return ref.registry === (DOCKER_HUB_ALIASES.has(pattern) ? 'docker.io' : pattern);
  });
}

/** A policy port range: `LOW-HIGH` or a single port; undefined if malformed. */
export function parsePortRange(spec: string): PortRange | undefined {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(spec);
  if (!m) return undefined;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return low <= high && high <= 65535 ? { low, high } : undefined;
}
