/**
 * Shared helpers for the rule groups: the context a rule reports into, defensive access to the
 * raw (interpolated) document, and the small normalisations every group needs (capabilities,
 * sizes, templated names, host paths).
 */
import { posix } from 'node:path';
import { formatPath, type Diagnostic, type PathSegment } from '../stack/diagnostics.js';
import type { ServiceSpec, StackModel } from '../stack/model.js';
import type { LocatedDocument } from '../stack/source.js';
import type { ResolvedPolicy, RuleGroupName, RuleId } from './types.js';

export interface PolicyInput {
  /** The stack file as parsed and interpolated; rules read syntax from `value`. */
  document: LocatedDocument;
  /** The normalised model (limits in bytes/nanoCPUs, replicas). */
  model: StackModel;
  project: string;
  /** Folder of the stack file inside the repository, POSIX, '' for the root. */
  stackDir: string;
}

export interface ServiceEntry {
  name: string;
  raw: Record<string, unknown>;
  spec: ServiceSpec | undefined;
  path: PathSegment[];
}

export class RuleContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly root: Record<string, unknown>;
  readonly services: ServiceEntry[];
  readonly serviceNames: ReadonlySet<string>;

  constructor(
    readonly input: PolicyInput,
    readonly policy: ResolvedPolicy,
  ) {
    this.root = asRecord(input.document.value);
    const services = asRecord(this.root.services);
    this.services = Object.entries(services).map(([name, raw]) => ({
      name,
      raw: asRecord(raw),
      spec: input.model.services[name],
      path: ['services', name],
    }));
    this.serviceNames = new Set([...Object.keys(services), ...Object.keys(input.model.services)]);
  }

  private readonly cache = new Map<string, unknown>();

  /** Compute something once per check (e.g. a service's parsed mounts, read by two groups). */
  memo<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  get project(): string {
    return this.input.project;
  }

  report(rule: RuleId, path: readonly PathSegment[], message: string): void {
    const { line, column } = this.input.document.locate(path);
    this.diagnostics.push({
      file: this.input.document.file,
      line,
      column,
      rule,
      message,
      path: formatPath(path),
    });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A list, or a single scalar as a one-item list (`env_file: .env`), or nothing. */
export function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/** Scalars as text (numbers and booleans too, as interpolation may produce either). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** YAML 1.1/Compose truthiness: `true`, and after interpolation `"true"`, `"yes"`, `"on"`, `"1"`. */
export function isTruthy(value: unknown): boolean {
  if (value === true || value === 1) return true;
  return typeof value === 'string' && /^(true|yes|on|1|y)$/i.test(value.trim());
}

/** `external: true` (also as text after interpolation) or the legacy `external: {name: …}`. */
export function isExternal(def: Record<string, unknown>): boolean {
  return isRecord(def.external) || isTruthy(def.external);
}

/** Strict truth for fields that restrict (`read_only`): only `true`, or `"true"` after interpolation. */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

export function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined && obj[key] !== null;
}

export interface KeyedEntry {
  key: string;
  value: string | undefined;
  path: PathSegment[];
}

/** Entries of a map-or-list field (`labels`, `sysctls`): `{k: v}` or `["k=v"]`. */
export function keyedEntries(value: unknown, path: readonly PathSegment[]): KeyedEntry[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => {
      const s = text(item);
      if (s === undefined) return [];
      const eq = s.indexOf('=');
      return [
        {
          key: (eq < 0 ? s : s.slice(0, eq)).trim(),
          value: eq < 0 ? undefined : s.slice(eq + 1),
          path: [...path, i],
        },
      ];
    });
  }
  return Object.entries(asRecord(value)).map(([key, v]) => ({ key, value: text(v), path: [...path, key] }));
}

/** `sys_admin`, `CAP_SYS_ADMIN`, ` Sys_Admin ` all become `SYS_ADMIN`. */
export function normaliseCapability(value: unknown): string {
  return (text(value) ?? '').trim().toUpperCase().replace(/^CAP_/, '');
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker sizes: `16GiB`, `16g`, `1.5G`, `512mb`, a number of bytes. Units are binary. */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number.parseFloat(m[1] ?? '0') * unit);
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${+(bytes / size).toFixed(2)}${unit}`;
  }
  return `${bytes}B`;
}

/** Replace `{project}` in an operator-written name or path. */
export function expandTemplate(template: string, project: string): string {
  return template.split('{project}').join(project);
}

/** Normalise an absolute host path: collapse `//`, `.` and `..`, drop a trailing slash. */
export function normaliseHostPath(path: string): string {
  const normal = posix.normalize(`/${path.replace(/^\/+/, '')}`);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

export function isUnder(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}

/** Resolve a relative path against the stack folder; `inside` is false if it leaves the repository. */
export function resolveInRepository(stackDir: string, relative: string): { path: string; inside: boolean } {
  const path = posix.normalize(posix.join(stackDir === '' ? '.' : stackDir, relative));
  return { path, inside: !(path === '..' || path.startsWith('../') || posix.isAbsolute(path)) };
}

/** A host path as written: `/…` absolute, `~…` a home folder, anything else relative. */
export function pathKind(path: string): 'absolute' | 'home' | 'relative' {
  if (path.startsWith('/')) return 'absolute';
  if (path.startsWith('~')) return 'home';
  return 'relative';
}

/** One concern's rules: the ids it may report (with a one-line summary) and the check itself. */
export interface RuleGroup {
  name: RuleGroupName;
  rules: Partial<Record<RuleId, string>>;
  check(ctx: RuleContext): void;
}
