import { formatPath, type PathSegment } from './diagnostics.js';
import type { Report } from './findings.js';
import type {
  DependsOnCondition,
  DependsOnSpec,
  HealthcheckSpec,
  ServiceSpec,
  UpdateConfigSpec,
} from './model.js';
import { assign, duration, list, record, scalarText, strings } from './coerce.js';
import { isRecord, setEntry } from './records.js';
import { shellSplit } from './shell-split.js';
import { parseBoolean, parseWholeNumber } from '../util/units.js';

/** One function per Compose service key whose syntax needs more than a type check. */

/**
 * Defaults where the file says nothing. Compose leaves update behaviour to swarm, so these are
 * swarm's defaults (one container at a time, no delay, stop the old one first, watch a new
 * container for 5s) except on failure: Spin rolls back to the last healthy commit rather than
 * pausing, so a bad push never leaves a gateway half-updated.
 */
export const DEFAULT_UPDATE_CONFIG: UpdateConfigSpec = {
  parallelism: 1,
  delayMs: 0,
  order: 'stop-first',
  failureAction: 'rollback',
  monitorMs: 5000,
};
const RESTART_CONDITIONS: Record<string, ServiceSpec['restart']> = {
  none: 'no',
  no: 'no',
  'on-failure': 'on-failure',
  any: 'always',
  always: 'always',
  'unless-stopped': 'unless-stopped',
};

/**
 * A mapping, or a list of `KEY=VALUE` strings. A null value (or a bare `KEY` in the list) is ''.
 * (`environment:` reads those differently: see `environment` below.)
 */
export function keyValues(
  value: unknown,
  at: PathSegment[],
  report: Report,
  what: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of entries(value, at, report, what)) {
    setEntry(out, key, item ?? '');
  }
  return out;
}

/**
 * `environment:` as Compose reads it: an entry without a value (`KEY:` / `KEY: null` in the
 * mapping, a bare `KEY` in the list) takes the value of KEY from the project's env (the only
 * environment Spin has: it never reads the daemon's shell), and is not set at all when the env
 * has no KEY. A name with white space in it is refused, as Compose does (`- DEBUG = true` would
 * otherwise set a variable named `DEBUG `).
 */
export function environment(
  value: unknown,
  at: PathSegment[],
  report: Report,
  env: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item, where] of entries(value, at, report, 'environment')) {
    if (/\s/.test(key)) {
      report(
        where,
        'stack.invalid-environment',
        `${formatPath(where)}: variable name '${key}' contains white space; write NAME=value with no spaces around '='`,
      );
      continue;
    }
    if (item !== undefined) setEntry(out, key, item);
    else if (Object.prototype.hasOwnProperty.call(env, key)) setEntry(out, key, env[key] as string);
  }
  return out;
}

/** [key, value or undefined when none is written, path of the entry] in either form. */
function entries(
  value: unknown,
  at: PathSegment[],
  report: Report,
  what: string,
): Array<[string, string | undefined, PathSegment[]]> {
  const out: Array<[string, string | undefined, PathSegment[]]> = [];
  if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      out.push([key, item === null || item === undefined ? undefined : scalarText(item), [...at, key]]);
    }
    return out;
  }
  list(value).forEach((item, index) => {
    const text = String(item);
    const eq = text.indexOf('=');
    const where = [...at, index];
    if (eq === 0) {
      report(where, `stack.invalid-${what}`, `${formatPath(where)}: '${text}' has no name before '='`);
    } else if (eq > 0) {
      out.push([text.slice(0, eq), text.slice(eq + 1), where]);
    } else {
      out.push([text, undefined, where]);
    }
  });
  return out;
}

/** Labels in either form; `spin.*` labels are Spin's own (they mark what it manages). */
export function labels(value: unknown, at: PathSegment[], report: Report): Record<string, string> {
  const out = keyValues(value, at, report, 'labels');
  for (const key of Object.keys(out).filter((k) => k.startsWith('spin.'))) {
    report(
      [...at, key],
      'stack.reserved-label',
      `label '${key}': labels starting with 'spin.' are set by Spin itself`,
    );
  }
  return out;
}

export function commandWords(value: unknown, at: PathSegment[], report: Report): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return undefined;
  const split = shellSplit(value);
  if ('error' in split) {
    report(at, 'stack.invalid-command', `${formatPath(at)}: ${split.error}; or write it as a list of words`);
    return undefined;
  }
  return split.words;
}

export function replicas(
  raw: Record<string, unknown>,
  deploy: Record<string, unknown>,
  p: (...rest: PathSegment[]) => PathSegment[],
  report: Report,
): number {
  const fromDeploy = parseWholeNumber(deploy.replicas);
  const fromScale = parseWholeNumber(raw.scale);
  if (fromDeploy !== undefined && fromScale !== undefined && fromDeploy !== fromScale) {
    report(
      p('deploy', 'replicas'),
      'stack.conflicting-keys',
      `${formatPath(p('deploy', 'replicas'))} and ${formatPath(p('scale'))} disagree; keep one`,
    );
  }
  return fromDeploy ?? fromScale ?? 1;
}

/** `restart:`, overridden by deploy.restart_policy.condition as in compose; default 'no'. */
export function restart(
  raw: Record<string, unknown>,
  deploy: Record<string, unknown>,
): ServiceSpec['restart'] {
  const condition = record(deploy.restart_policy).condition;
  const fromDeploy = typeof condition === 'string' ? RESTART_CONDITIONS[condition] : undefined;
  const fromService =
    typeof raw.restart === 'string' ? RESTART_CONDITIONS[raw.restart.split(':')[0] ?? ''] : undefined;
  return fromDeploy ?? fromService ?? 'no';
}

export function dependsOn(value: unknown): Record<string, DependsOnSpec> {
  const out: Record<string, DependsOnSpec> = {};
  const base: DependsOnSpec = { condition: 'service_started', required: true, restart: false };
  if (Array.isArray(value)) {
    for (const name of value) setEntry(out, String(name), { ...base });
    return out;
  }
  for (const [name, item] of Object.entries(record(value))) {
    const options = record(item);
    setEntry(out, name, {
      condition:
        typeof options.condition === 'string' ? (options.condition as DependsOnCondition) : base.condition,
      required: parseBoolean(options.required) ?? base.required,
      restart: parseBoolean(options.restart) ?? base.restart,
    });
  }
  return out;
}

/**
 * `extra_hosts` as compose-go reads it, in the engine's `HOST:IP` form: list entries `HOST=IP`
 * or `HOST:IP` (split at the first separator, '=' tried first, so `host:::1` is an IPv6
 * address), several IPs as `HOST=IP1,IP2`, an IPv6 address in brackets, or the mapping form
 * `HOST: IP` / `HOST: [IP, ...]`. An entry without an IP is refused here; names and addresses
 * are checked by the policy (`network.extra-hosts`), so a bad one never reaches container create.
 */
export function extraHosts(value: unknown, at: PathSegment[], report: Report): string[] {
  const out: string[] = [];
  const add = (where: PathSegment[], host: string, ips: readonly string[]): void => {
    if (host === '') {
      report(
        where,
        'stack.invalid-extra-host',
        `${formatPath(where)}: the entry has no host name; write HOST=IP`,
      );
      return;
    }
    // Brackets only delimit an IPv6 address; the engine wants it bare. Whether each name and
    // address is valid is the policy's `network.extra-hosts` rule, which reads this list.
    for (const ip of ips)
      out.push(`${host}:${ip.length > 2 && ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip}`);
  };
  if (isRecord(value)) {
    for (const [host, ips] of Object.entries(value)) add([...at, host], host, strings(ips));
    return out;
  }
  list(value).forEach((item, index) => {
    const text = String(item);
    const where = [...at, index];
    const sep = text.includes('=') ? '=' : ':';
    const cut = text.indexOf(sep);
    if (cut < 0) {
      report(
        where,
        'stack.invalid-extra-host',
        `${formatPath(where)}: '${text}' has no IP address; write HOST=IP`,
      );
      return;
    }
    add(where, text.slice(0, cut), text.slice(cut + 1).split(','));
  });
  return out;
}

export function ulimits(value: unknown): Record<string, { soft: number; hard: number }> {
  const out: Record<string, { soft: number; hard: number }> = {};
  for (const [name, item] of Object.entries(record(value))) {
    const single = parseWholeNumber(item);
    const soft = single ?? parseWholeNumber(record(item).soft) ?? 0;
    const hard = single ?? parseWholeNumber(record(item).hard) ?? 0;
    setEntry(out, name, { soft, hard });
  }
  return out;
}

export function updateConfig(raw: Record<string, unknown>): UpdateConfigSpec {
  const d = DEFAULT_UPDATE_CONFIG;
  return {
    parallelism: parseWholeNumber(raw.parallelism) ?? d.parallelism,
    delayMs: duration(raw.delay) ?? d.delayMs,
    order: raw.order === 'start-first' || raw.order === 'stop-first' ? raw.order : d.order,
    failureAction:
      raw.failure_action === 'continue' || raw.failure_action === 'rollback' || raw.failure_action === 'pause'
        ? raw.failure_action
        : d.failureAction,
    monitorMs: duration(raw.monitor) ?? d.monitorMs,
  };
}

const HEALTHCHECK_KINDS = ['NONE', 'CMD', 'CMD-SHELL'];

export function healthcheck(value: unknown, at: PathSegment[], report: Report): HealthcheckSpec | undefined {
  if (!isRecord(value)) return undefined;
  if (parseBoolean(value.disable) === true) return { test: ['NONE'] };
  // No test: keeps the image's own check (the engine reads an empty test as "inherit").
  const test = typeof value.test === 'string' ? ['CMD-SHELL', value.test] : list(value.test).map(String);
  if (test.length > 0 && !HEALTHCHECK_KINDS.includes(test[0] ?? '')) {
    report(
      [...at, 'test', 0],
      'stack.invalid-healthcheck',
      `${formatPath([...at, 'test'])} must start with CMD, CMD-SHELL or NONE (or be a string run by the shell)`,
    );
  }
  const spec: HealthcheckSpec = { test };
  assign(spec, 'intervalMs', duration(value.interval));
  assign(spec, 'timeoutMs', duration(value.timeout));
  assign(spec, 'retries', parseWholeNumber(value.retries));
  assign(spec, 'startPeriodMs', duration(value.start_period));
  assign(spec, 'startIntervalMs', duration(value.start_interval));
  return spec;
}
