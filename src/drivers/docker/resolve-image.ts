/**
 * The manifest digest a reference names now, asked of one engine (the Docker driver's own engine,
 * or a Swarm manager, which answers for the nodes that pull): a digest written in the reference;
 * else a pulled image's repository digest (unless `fresh`); else the engine's distribution
 * endpoint (`GET /distribution/<ref>/json`, the registry's answer, with the project's login).
 */
import type Docker from 'dockerode';
import type { ImagePin, RegistryAuth } from '../../model/image.js';
import { referenceDigest, repoDigestOf } from '../../util/image-ref.js';
import { toImagePullError } from './pull-error.js';

export interface ImageLookup {
  /** The engine's image under this name, undefined when it has none. */
  inspect(ref: string): Promise<Docker.ImageInspectInfo | undefined>;
  /** The engine's distribution endpoint (counted by the caller, if it counts). */
  distribution(ref: string, auth: RegistryAuth | undefined): Promise<unknown>;
}

export async function resolveImagePin(
  lookup: ImageLookup,
  ref: string,
  options: { auth?: RegistryAuth; fresh?: boolean } = {},
): Promise<ImagePin> {
  const named = referenceDigest(ref);
  if (named) return { ref, digest: named };
  const local = await lookup.inspect(ref);
  const held = local ? repoDigestOf(ref, local.RepoDigests) : undefined;
  // On the engine under this name but never pulled from this repository (built or tagged here;
  // digests of other repositories it was pushed to do not count): nothing to pin.
  if (local && !held) {
    return { ref, note: 'built on the engine, not pulled from a registry: no digest to pin' };
  }
  if (held && !options.fresh) return { ref, digest: held };
  try {
    const info = (await lookup.distribution(ref, options.auth)) as { Descriptor?: { digest?: string } };
    const digest = info.Descriptor?.digest;
    if (!digest) throw new Error('the registry named no digest');
    return { ref, digest };
  } catch (err) {
    throw toImagePullError(ref, 'resolved', err);
  }
}

/** The lookup on one engine, uncounted. */
export function engineImageLookup(docker: Docker): ImageLookup {
  return {
    async inspect(ref) {
      try {
        return await docker.getImage(ref).inspect();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
        return undefined;
      }
    },
    distribution: (ref, auth) => docker.getImage(ref).distribution(auth ? { authconfig: auth } : {}),
  };
}
