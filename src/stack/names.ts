/**
 * Engine names of what Spin creates (shared/product.md). Pure and at the bottom of the layers:
 * the policy reads `container:<name>` references with them, the reconciler and drivers make names.
 */

/**
 * `<project>_<service>_<n>`, Compose v1's own scheme. Project names are `[a-z0-9][a-z0-9-]*` (the
 * config schema refuses `_`), so the first `_` always ends the project name and the replica is the
 * digits after the last `_`: two (project, service, replica) triples never give one name. The
 * older `<project>-<service>-<n>` did (`sq` + `x-app` and `sq-x` + `app` both gave `sq-x-app-1`).
 */
export const containerName = (project: string, service: string, replica: number): string =>
  `${project}_${service}_${replica}`;

/**
 * The name a start-first update runs the new replica under beside the old one. It ends in
 * `-next`, never in digits, so it cannot equal any replica name of any project.
 */
export const temporaryName = (name: string): string => `${name}-next`;

/**
 * The name an older Spin gave a replica. Only read, never created: a container that carries it
 * and the right labels is renamed in place (no restart) to containerName().
 */
export const legacyContainerName = (project: string, service: string, replica: number): string =>
  `${project}-${service}-${replica}`;

/**
 * Pure: a name made by containerName() back into its parts, or undefined. Used only to read a
 * `container:<name>` reference of a stack; what the name then runs as is decided by labels.
 */
export function parseContainerName(
  name: string,
): { project: string; service: string; replica: number } | undefined {
  const m = /^([a-z0-9][a-z0-9-]*)_(.+)_([1-9][0-9]*)$/.exec(name);
  if (!m) return undefined;
  return { project: m[1] as string, service: m[2] as string, replica: Number(m[3]) };
}

// Networks and volumes keep `<project>_<key>`: as above, the first `_` ends the project name, so
// no two projects can give the same network or volume name whatever their keys contain.
export const networkName = (project: string, key: string): string => `${project}_${key}`;
export const volumeName = (project: string, key: string): string => `${project}_${key}`;

/** The label keys fixed by the product contract (shared/product.md). */
export const LABEL = {
  managed: 'spin.managed',
  project: 'spin.project',
  service: 'spin.service',
  replica: 'spin.replica',
  commit: 'spin.commit',
  configHash: 'spin.config-hash',
  /** The image reference as the stack writes it (the container runs it pinned by digest). */
  image: 'spin.image',
  /** The manifest digest the container runs; absent for an image built on the engine. */
  imageDigest: 'spin.image-digest',
  network: 'spin.network',
  volume: 'spin.volume',
} as const;
