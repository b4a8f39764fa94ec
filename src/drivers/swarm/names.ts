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
