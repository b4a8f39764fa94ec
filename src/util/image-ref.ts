/**
 * Pure string work on image references (`[host[:port]/]path[:tag][@digest]`) that the stack and
 * the driver both need; the policy's parseImageRef splits them for judging.
 */

/** The reference without its tag or digest: `127.0.0.1:5000/lab/web:1` -> `127.0.0.1:5000/lab/web`. */
export function imageRepository(ref: string): string {
  let rest = ref.trim();
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) rest = rest.slice(0, colon);
  return rest;
}

/** What the engine is asked to run: the repository at that digest, or the reference as written. */
export function pinnedImage(ref: string, digest: string | undefined): string {
  return digest ? `${imageRepository(ref)}@${digest}` : ref;
}

/** The digest part of a reference that already names one (`name@sha256:...`). */
export function referenceDigest(ref: string): string | undefined {
  const at = ref.indexOf('@');
  return at >= 0 ? ref.slice(at + 1) || undefined : undefined;
}

/**
 * The digest among an image's RepoDigests (`repo@sha256:...`) that belongs to the repository of
 * `ref`; the engine writes Docker Hub names short (`busybox@...`), as they are written here.
 */
export function repoDigestOf(ref: string, repoDigests: readonly string[] | undefined): string | undefined {
  const repo = imageRepository(ref);
  for (const entry of repoDigests ?? []) {
    const at = entry.indexOf('@');
    if (at > 0 && entry.slice(0, at) === repo) return entry.slice(at + 1);
  }
  return undefined;
}
