/**
 * Images as a pass sees them: the reference the researcher wrote, the manifest digest that runs,
 * and why a pull failed. Plain data shared by the driver, the reconciler and the status.
 */

/** Why an image could not be resolved or pulled: a stable word an operator can act on. */
export type ImagePullReason =
  | 'ImageUnauthorized'
  | 'ImageNotFound'
  | 'RegistryUnreachable'
  | 'ImagePlatform'
  | 'DiskFull'
  | 'ImagePullFailed';

export const IMAGE_PULL_REASONS: readonly ImagePullReason[] = [
  'ImageUnauthorized',
  'ImageNotFound',
  'RegistryUnreachable',
  'ImagePlatform',
  'DiskFull',
  'ImagePullFailed',
];

/** What one service runs: `ref` as the stack says, `digest` the manifest every replica runs. */
export interface ImagePin {
  ref: string;
  /** Absent for an image built on the engine itself (no registry, so no manifest digest). */
  digest?: string;
  /** Why there is no digest, or what the last image-update check found, in words. */
  note?: string;
}

/** A registry login, as the engine's X-Registry-Auth takes it. Never logged, never in status. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** An image could not be resolved or pulled; `reason` tells the kinds apart. */
export class ImagePullError extends Error {
  constructor(
    readonly reason: ImagePullReason,
    readonly ref: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** The ImagePullError behind an error (wrapped as `cause` by ApplyError), if any. */
export function imagePullErrorOf(err: unknown): ImagePullError | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ImagePullError) return e;
  }
  return undefined;
}
