import { createHash } from 'node:crypto';
import { formatPath, type PathSegment } from './diagnostics.js';
import type { Report } from './findings.js';
import type { ConfigSpec, FileMountSpec, MountSpec, SecretSpec, StackModel } from './model.js';
import { hasEntry, isRecord, setEntry } from './records.js';
import type { LocatedDocument } from './source.js';

/**
 * `secrets:` and `configs:`, top level and per service (pure). Secret values never appear in
 * the stack file or the model: a secret is either empty (its value is in Spin's secret store) or
 * names an age-encrypted file in the repository. Messages never repeat what the stack wrote for
 * a secret, so a value pasted there by mistake does not spread to statuses and logs.
 */

export const SECRETS_DIR = '/run/secrets';
export const DEFAULT_SECRET_MODE = 0o400;
export const DEFAULT_CONFIG_MODE = 0o444;

export type FileKind = 'secrets' | 'configs';

export function declaredSecrets(value: unknown, project: string, report: Report): Record<string, SecretSpec> {
  const out: Record<string, SecretSpec> = {};
  for (const [name, raw] of Object.entries(isRecord(value) ? value : {})) {
    const at = ['secrets', name];
    const store = `spin secret set ${project} ${name}`;
    if (raw === null || raw === undefined) {
      setEntry(out, name, { name, source: 'store' });
      continue;
    }
    if (!isRecord(raw)) {
      report(
        at,
        'stack.invalid-secret',
        `secrets.${name} must be empty (the value lives in Spin's secret store: ${store}) or a mapping with file: (an age-encrypted file in the repository); never write a value in the stack file`,
      );
      continue;
    }
    let ok = true;
    for (const key of Object.keys(raw)) {
      if (key === 'file' || key.startsWith('x-')) continue;
      ok = false;
      report(
        [...at, key],
        'stack.invalid-secret',
        `unknown key '${key}' in secrets.${name}: a secret is empty (its value is set with ${store}) or has file: (an age-encrypted file in the repository)`,
      );
    }
    if (!hasEntry(raw, 'file')) {
      if (ok) setEntry(out, name, { name, source: 'store' });
      continue;
    }
    if (typeof raw.file !== 'string' || raw.file.trim() === '') {
      report(
        [...at, 'file'],
        'stack.invalid-secret',
        `secrets.${name}.file must be the path of an age-encrypted file in the repository, relative to the stack file`,
      );
      continue;
    }
    if (ok) setEntry(out, name, { name, source: 'file', file: raw.file });
  }
  return out;
}

/** Schema-checked `configs:`: each needs exactly one of file: and content:. */
export function declaredConfigs(value: unknown, report: Report): Record<string, ConfigSpec> {
  const out: Record<string, ConfigSpec> = {};
  for (const [name, raw] of Object.entries(isRecord(value) ? value : {})) {
    const at = ['configs', name];
    const settings = isRecord(raw) ? raw : {};
    const file = typeof settings.file === 'string' ? settings.file : undefined;
    const content = typeof settings.content === 'string' ? settings.content : undefined;
    if (file !== undefined && content !== undefined) {
      report(at, 'stack.invalid-config', `configs.${name} has both file: and content:; keep one`);
      continue;
    }
    if (file === undefined && content === undefined) {
      report(
        at,
        'stack.invalid-config',
        `configs.${name} needs file: (a file in the repository, relative to the stack file) or content: (the text itself)`,
      );
      continue;
    }
    if (file !== undefined) {
      if (file.trim() === '') {
        report([...at, 'file'], 'stack.invalid-config', `configs.${name}.file is empty`);
        continue;
      }
      setEntry(out, name, { name, file });
    } else {
      const text = content ?? '';
      setEntry(out, name, { name, content: text, digest: sha256(text) });
    }
  }
  return out;
}

export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * A service's `secrets:` or `configs:` (short form: the name; long form: source, target, uid,
 * gid, mode) as file mounts, sorted by target. Owner defaults to the service's numeric user
 * (group: its numeric group, else 0); secrets default to 0400 at /run/secrets/<name>, configs
 * to 0444 at /<name>.
 */
export function serviceFileMounts(
  kind: FileKind,
  value: unknown,
  at: readonly PathSegment[],
  declared: ReadonlySet<string>,
  user: string | undefined,
  report: Report,
): FileMountSpec[] {
  const out: FileMountSpec[] = [];
  const items = Array.isArray(value) ? value : [];
  const owner = ownerOf(user);
  items.forEach((item, index) => {
    const path = [...at, index];
    const where = formatPath(path);
    const long = isRecord(item) ? item : undefined;
    const source = long ? long.source : item;
    if (typeof source !== 'string' || source === '') {
      report(
        path,
        `stack.invalid-${singular(kind)}`,
        `${where} needs source: (the name of a top-level ${kind} entry)`,
      );
      return;
    }
    if (!declared.has(source)) {
      report(
        long ? [...path, 'source'] : path,
        `stack.undeclared-${singular(kind)}`,
        kind === 'secrets'
          ? `secret '${source}' is not declared; add it under the top-level secrets: (e.g. \`${source}: {}\` for a value in Spin's secret store)`
          : `config '${source}' is not declared; add it under the top-level configs: with file: or content:`,
      );
      return;
    }
    const target = containerTarget(kind, long?.target, source);
    if ('error' in target) {
      report([...path, 'target'], 'stack.invalid-target', `${where}.target ${target.error}`);
      return;
    }
    const uid = long && hasEntry(long, 'uid') ? id(long.uid) : owner.uid;
    const gid = long && hasEntry(long, 'gid') ? id(long.gid) : owner.gid;
    for (const [key, value] of [
      ['uid', uid],
      ['gid', gid],
    ] as const) {
      if (long && hasEntry(long, key) && value === undefined) {
        report(
          [...path, key],
          'stack.invalid-owner',
          `${where}.${key} must be a whole number (a numeric id)`,
        );
      }
    }
    const mode = long && hasEntry(long, 'mode') ? parseMode(long.mode) : defaultMode(kind);
    if (mode === undefined) {
      report(
        [...path, 'mode'],
        'stack.invalid-mode',
        `${where}.mode must be permission bits in octal, e.g. 0400 or "0440" (at most 0777)`,
      );
      return;
    }
    if (long && hasEntry(long, 'uid') && uid === undefined) return;
    if (long && hasEntry(long, 'gid') && gid === undefined) return;
    if (uid === undefined && kind === 'secrets' && (mode & 0o004) === 0) {
      report(
        path,
        'stack.secret-owner',
        `the service runs as user '${user ?? ''}', a name Spin cannot turn into a numeric id, so it could not read ${where}; set uid: (and gid:) on it, or give the service a numeric user: "UID:GID"`,
      );
      return;
    }
    out.push({ source, target: target.path, uid: uid ?? 0, gid: gid ?? 0, mode });
  });
  return out.sort((a, b) => a.target.localeCompare(b.target));
}

/** Two mounts (volumes, secrets, configs) of one service must not share a container path. */
export function checkDuplicateTargets(
  service: string,
  mounts: readonly MountSpec[],
  files: Array<{ kind: FileKind; list: readonly FileMountSpec[] }>,
  report: Report,
): void {
  const taken = new Map<string, string>();
  mounts.forEach((m, i) => taken.set(m.target.replace(/\/+$/, ''), `services.${service}.volumes.${i}`));
  for (const { kind, list } of files) {
    for (const m of list) {
      const by = taken.get(m.target);
      const here = `services.${service}.${kind} '${m.source}'`;
      if (by !== undefined) {
        report(
          ['services', service, kind],
          'stack.duplicate-target',
          `${here} is mounted at ${m.target}, which ${by} already uses`,
        );
      } else taken.set(m.target, here);
    }
  }
}

function singular(kind: FileKind): 'secret' | 'config' {
  return kind === 'secrets' ? 'secret' : 'config';
}

function defaultMode(kind: FileKind): number {
  return kind === 'secrets' ? DEFAULT_SECRET_MODE : DEFAULT_CONFIG_MODE;
}

function containerTarget(
  kind: FileKind,
  target: unknown,
  source: string,
): { path: string } | { error: string } {
  const text = target === undefined || target === null ? source : String(target);
  if (text.trim() === '') return { error: 'is empty' };
  if (text.includes('\0')) return { error: 'must not contain NUL' };
  const segments = text.split('/').filter((s) => s !== '');
  if (segments.length === 0) return { error: "must name a file, not '/'" };
  if (segments.some((s) => s === '.' || s === '..'))
    return { error: "must not contain '.' or '..' segments" };
  const absolute = text.startsWith('/');
  const base = absolute ? '' : kind === 'secrets' ? SECRETS_DIR : '';
  return { path: `${base}/${segments.join('/')}` };
}

/** Default owner from `user:`: `UID[:GID]` numeric, `root` is 0; a named user has no known uid. */
function ownerOf(user: string | undefined): { uid: number | undefined; gid: number } {
  if (user === undefined || user.trim() === '') return { uid: 0, gid: 0 };
  const [name = '', group] = user.trim().split(':');
  const uid = name === 'root' ? 0 : id(name);
  const gid = group === undefined ? 0 : group === 'root' ? 0 : (id(group) ?? 0);
  return { uid, gid };
}

function id(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 0xffffffff ? n : undefined;
}

/**
 * Modes are octal, as in Compose: a string is read as octal ("0440", "440", "0o440"); a number
 * is taken as it is (YAML `0o440`). An unquoted `0440` is octal in Compose's YAML 1.1 but decimal
 * in YAML 1.2, so the loader turns such literals into strings first (markOctalModes).
 */
export function parseMode(value: unknown): number | undefined {
  let mode: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) mode = value;
  else if (typeof value === 'string' && /^(0o|0)?[0-7]{1,4}$/i.test(value.trim())) {
    mode = parseInt(value.trim().replace(/^0o/i, ''), 8);
  }
  return mode !== undefined && mode >= 0 && mode <= 0o777 ? mode : undefined;
}

/**
 * Where a service's `mode:` under secrets/configs was written as an unquoted number with a
 * leading zero (`mode: 0440`), replace the value by the literal text so parseMode reads it as
 * octal, as Compose does. Reads the source text at the located position; changes nothing else.
 */
export function markOctalModes(doc: LocatedDocument, text: string): void {
  const lines = text.split('\n');
  const services = isRecord(doc.value) && isRecord(doc.value.services) ? doc.value.services : {};
  for (const [name, service] of Object.entries(services)) {
    if (!isRecord(service)) continue;
    for (const kind of ['secrets', 'configs'] as const) {
      const list = service[kind];
      if (!Array.isArray(list)) continue;
      list.forEach((item, index) => {
        if (!isRecord(item) || typeof item.mode !== 'number') return;
        const { line, column } = doc.locate(['services', name, kind, index, 'mode']);
        const literal = /^[+]?0[0-7]+(?![0-9A-Za-z._])/.exec(lines[line - 1]?.slice(column - 1) ?? '')?.[0];
        if (literal !== undefined && parseInt(literal, 10) === item.mode)
          item.mode = literal.replace(/^\+/, '');
      });
    }
  }
}

/** True when any service mounts a secret or a config (files the daemon delivers on every pass). */
export function usesSecretOrConfigFiles(model: StackModel): boolean {
  return Object.values(model.services).some((s) => (s.secrets?.length ?? 0) + (s.configs?.length ?? 0) > 0);
}
