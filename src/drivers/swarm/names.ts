/** Engine names and labels of what the Swarm driver creates (the stack's own contract, docker stack's words). */
import { LABEL } from '../../stack/names.js';

/** `docker stack ls/ps` group services, networks, secrets and configs by this label. */
export const STACK_NAMESPACE = 'com.docker.stack.namespace';

/**
 * The hash of the whole rendered service spec (replicas, update and rollback settings, placement
 * included): equal means a pass has nothing to send. The config hash (`spin.config-hash`) stays
 * the containers' own, as on Docker, for the API and for pinning.
 */
export const SPEC_HASH = 'spin.swarm-spec-hash';

/** `<project>_<service>`, as `docker stack deploy` names services. */
export const serviceName = (project: string, service: string): string => `${project}_${service}`;

/** The labels on every object the driver makes for a project. */
export function projectLabels(project: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.project]: project, [STACK_NAMESPACE]: project };
}

/** On a secret or config object: the stack's key it is a revision of, and its digest prefix. */
export const OBJECT_LABEL = {
  secret: 'spin.secret',
  config: 'spin.config',
  hash: 'spin.content-hash',
} as const;

/**
 * Hex digits of the content digest a secret or config object's name ends with: 48 bits, so two
 * revisions of one key never share a name; guessing a value from it needs the daemon's key for
 * a secret (see model/file-contents.ts).
 */
export const OBJECT_HASH_LENGTH = 12;

/** `<project>_<key>_<digest prefix>`: Swarm never changes an object in place, so a new value is a new name. */
export const objectName = (project: string, key: string, digest: string): string =>
  `${project}_${key}_${digest.slice(0, OBJECT_HASH_LENGTH)}`;

/** Swarm's limit on a secret's or config's name (swarmkit's validateConfigOrSecretAnnotations). */
export const MAX_OBJECT_NAME = 64;
