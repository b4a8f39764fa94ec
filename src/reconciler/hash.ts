import { createHash } from 'node:crypto';
import type { ServiceSpec } from '../stack/model.js';
import { canonicalJson } from '../util/canonical-json.js';

/** Bump when the meaning of the hashed fields changes, so every container is recreated once. */
const HASH_VERSION = 'spin-config-v1';

/**
 * The config hash of a service: what makes two containers of it interchangeable. It covers every
 * field that changes the container and nothing that does not: `replicas` (scaling must not recreate),
 * `dependsOn` (ordering only) and `updateConfig` (how to roll, not what runs) are left out.
 * `extra` carries inputs that live outside the spec, e.g. digests of config files or secrets.
 */
export function serviceConfigHash(
  project: string,
  spec: ServiceSpec,
  extra: Record<string, string> = {},
): string {
  const {
    replicas: _replicas,
    dependsOn: _dependsOn,
    updateConfig: _updateConfig,
    // The digest joins the hash through pinnedConfigHash, so an image built on the engine (no
    // digest) keeps the hash it always had; following updates is policy, not what runs.
    imageDigest: _imageDigest,
    imageUpdates: _imageUpdates,
    ...containerFields
  } = spec;
  const payload = canonicalJson({ v: HASH_VERSION, project, service: containerFields, extra });
  return createHash('sha256').update(payload).digest('hex');
}

/**
 * The config hash once the service's image is pinned to a manifest digest: a moved digest is a
 * changed container, so the planner recreates every replica (health-gated like any rollout).
 * Without a digest the hash is left as it is.
 */
export function pinnedConfigHash(hash: string, digest: string | undefined): string {
  if (!digest) return hash;
  return createHash('sha256').update(`${HASH_VERSION}\0${hash}\0image@${digest}`).digest('hex');
}
