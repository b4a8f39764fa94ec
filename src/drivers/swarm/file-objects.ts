/**
 * Pure: a stack's secrets and configs as Swarm secret and config objects. Swarm never changes an
 * object in place, so each value is its own object, `<project>_<key>_<digest prefix>` (as `docker
 * stack deploy` names them per stack, plus the content's digest); a new value is a new object and
 * a service update that references it (a rolling update). Old revisions are kept while a service's
 * spec or previous spec (what Swarm rolls back to) references them, and the newest
 * RETAINED_REVISIONS of a key still in use are kept in any case; the rest are removed.
 */
import type Docker from 'dockerode';
import type { ActualFileObject } from '../../model/actual-state.js';
import type { FileContents, FileObjectKind } from '../../model/file-contents.js';
import type { FileMountSpec, ServiceSpec, StackModel } from '../../stack/model.js';
import { MAX_OBJECT_NAME, OBJECT_HASH_LENGTH, OBJECT_LABEL, objectName, projectLabels } from './names.js';

/** Revisions of one secret or config kept besides those a service references (the current and the one before). */
export const RETAINED_REVISIONS = 2;

/**
 * The digest a name ends with before delivery read the contents (commit-time admission, `spin
 * validate`): the gate judges names and targets, which do not depend on it.
 */
const UNRESOLVED = '0'.repeat(OBJECT_HASH_LENGTH);

/** One object the commit needs, as rendered: never its value (the apply step asks `contents`). */
export interface DesiredFileObject {
  kind: FileObjectKind;
  /** The stack's key. */
  key: string;
  name: string;
  /** The digest prefix the name ends with. */
  hash: string;
  labels: Record<string, string>;
}

const KINDS: { kind: FileObjectKind; mounts: (s: ServiceSpec) => FileMountSpec[] }[] = [
  { kind: 'secret', mounts: (s) => s.secrets ?? [] },
  { kind: 'config', mounts: (s) => s.configs ?? [] },
];

/** The digest prefix of `key`'s content in this commit (UNRESOLVED before delivery). */
export function objectHash(kind: FileObjectKind, key: string, contents: FileContents | undefined): string {
  return (contents?.digest(kind, key) ?? UNRESOLVED).slice(0, OBJECT_HASH_LENGTH);
}

/** Every secret and config some service of the commit uses, by kind then key. */
export function desiredFileObjects(
  model: StackModel,
  contents: FileContents | undefined,
): DesiredFileObject[] {
  const out: DesiredFileObject[] = [];
  for (const { kind, mounts } of KINDS) {
    const used = new Set(Object.values(model.services).flatMap((s) => mounts(s).map((m) => m.source)));
    for (const key of [...used].sort()) {
      const hash = objectHash(kind, key, contents);
      out.push({
        kind,
        key,
        hash,
        name: objectName(model.project, key, hash),
        labels: { ...projectLabels(model.project), [OBJECT_LABEL[kind]]: key, [OBJECT_LABEL.hash]: hash },
      });
    }
  }
  return out;
}

/** The container spec's `Secrets` and `Configs`: files at the stack's targets, owner and mode. */
export function objectReferences(
  project: string,
  spec: ServiceSpec,
  contents: FileContents | undefined,
): Pick<Docker.ContainerSpec, 'Secrets' | 'Configs'> {
  const file = (m: FileMountSpec) => ({
    Name: m.target,
    UID: String(m.uid),
    GID: String(m.gid),
    Mode: m.mode,
  });
  const name = (kind: FileObjectKind, m: FileMountSpec) =>
    objectName(project, m.source, objectHash(kind, m.source, contents));
  const secrets = (spec.secrets ?? []).map((m) => ({ File: file(m), SecretName: name('secret', m) }));
  const configs = (spec.configs ?? []).map((m) => ({ File: file(m), ConfigName: name('config', m) }));
  return {
    ...(secrets.length ? { Secrets: secrets as Docker.SecretReference[] } : {}),
    ...(configs.length ? { Configs: configs as Docker.ConfigReference[] } : {}),
  };
}

/** Names of the secrets and configs a service spec references (its own or the one it rolls back to). */
export function referencedObjects(spec: Docker.ServiceSpec | undefined): string[] {
  const container = (spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec;
  return [
    ...(container?.Secrets ?? []).map((s) => s.SecretName ?? ''),
    ...(container?.Configs ?? []).map((c) => c.ConfigName ?? ''),
  ].filter((n) => n !== '');
}

/**
 * Whether an object no commit desires now may be removed: not referenced by any service (spec or
 * previous spec), and, while its key is still in use by some service, not among the key's newest
 * RETAINED_REVISIONS. A key no service references any more keeps nothing.
 */
export function revisionRemovable(
  object: ActualFileObject,
  revisions: readonly ActualFileObject[],
  referenced: ReadonlySet<string>,
): boolean {
  if (referenced.has(object.name)) return false;
  const same = revisions.filter((r) => r.kind === object.kind && r.key === object.key);
  if (!same.some((r) => referenced.has(r.name))) return true;
  const newest = [...same]
    .sort((a, b) => b.createdAt - a.createdAt || a.name.localeCompare(b.name))
    .slice(0, RETAINED_REVISIONS);
  return !newest.some((r) => r.name === object.name);
}

/** Pure, for the gate: a key Swarm cannot name (characters, or the name too long with its hash). */
export function objectNameProblem(project: string, key: string): string | undefined {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(key))
    return `a Swarm object name allows letters, digits, '.', '_' and '-' only (not at either end)`;
  const length = objectName(project, key, UNRESOLVED).length;
  if (length > MAX_OBJECT_NAME)
    return `the Swarm object name ${project}_${key}_<hash> would be ${length} characters, over Swarm's ${MAX_OBJECT_NAME}; use a shorter name`;
  return undefined;
}
