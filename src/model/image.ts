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

/** How far a pull has come (throttled by the driver: per finished layer, or every few seconds). */
export interface PullProgress {
  ref: string;
  /** Layers the engine is fetching (or found already present). */
  layers: number;
  layersDone: number;
  /** Bytes downloaded so far and the sum of the sizes the engine announced (0: not known yet). */
  bytes: number;
  totalBytes: number;
  /** The pull finished (the last report of it). */
  done: boolean;
}

/** One line for logs, status and `spin sync`: `pulling reg/web:1: 2/3 layers, 4.1/6.0 MB`. */
export function describePullProgress(p: PullProgress): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const size = p.totalBytes > 0 ? `, ${mb(p.bytes)}/${mb(p.totalBytes)} MB` : '';
  return `${p.done ? 'pulled' : 'pulling'} ${p.ref}: ${p.layersDone}/${p.layers} layers${size}`;
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

/**
 * An image update (a followed tag's digest moved) whose rollout a pass started and a later pass
 * judges: the service runs `to` on its new units while `from` still runs on the old ones.
 */
export interface ImageUpdateInFlight {
  service: string;
  ref: string;
  from: string;
  to: string;
  /** When the pass that found the moved digest started the rollout (ISO time). */
  since: string;
}

/** A digest whose rollout failed: not tried again until the tag moves on; `from` runs instead. */
export interface RejectedImage {
  ref: string;
  digest: string;
  /** The digest that ran before the update, which the service goes back to. */
  from?: string;
  message: string;
}

/**
 * What a project's passes must not forget about image updates across a restart (the engine alone
 * cannot tell an update in flight from a stray, nor say which digest failed): in the status file.
 */
export interface ImageUpdateState {
  inFlight?: ImageUpdateInFlight[];
  rejected?: RejectedImage[];
}
