import type { ActualContainer } from '../model/actual-state.js';
import { ImagePullError, type ImageUpdateInFlight, type ImagePin } from '../model/image.js';
import type { ServiceSpec } from '../stack/model.js';
import { pinnedConfigHash } from './hash.js';
import type { DesiredState } from './plan.js';

/**
 * Which manifest digest each service runs. A service keeps the digest its replicas run (a tag
 * pushed again changes nothing: what was deployed is what runs) unless it follows its tag and an
 * image-update check is due; a service with no pinned replica yet resolves its tag now. The
 * digest then joins the service's config hash, so a moved digest recreates every replica through
 * the ordinary health-gated rollout, and every replica runs the same bits.
 */
export interface PinOptions {
  /** Resolves a reference (ImagePullError when it cannot); `fresh` asks the registry itself. */
  resolve(ref: string, fresh: boolean): Promise<ImagePin>;
  /** Services whose image-update check is due in this pass (they ask the registry). */
  updatesDue(spec: ServiceSpec): boolean;
  /**
   * Digests that failed their rollout, by reference: an update to one of them is not tried again
   * until the tag moves on (the service keeps what it runs).
   */
  rejected?: ReadonlyMap<string, RejectedDigest>;
  /**
   * Image updates an earlier pass started, by service: such a service is pinned to the digest it
   * moves to (its new units are the rollout in flight, judged by this pass, not strays), and is
   * not checked again until the update is settled.
   */
  inFlight?: ReadonlyMap<string, Pick<ImageUpdateInFlight, 'ref' | 'from' | 'to'>>;
}

/** A digest whose rollout failed, and why (shown while the tag still points to it). */
export interface RejectedDigest {
  digest: string;
  /** What ran before the update: a service still found running the rejected digest goes back to it. */
  from?: string;
  message: string;
}

export interface PinResult {
  /** The desired state as the gate gave it (no digests), to pin again differently. */
  base: DesiredState;
  /** The desired state with each service's digest set and folded into its hash. */
  desired: DesiredState;
  pins: Record<string, ImagePin>;
  /** Services whose followed tag moved: what they ran and what they move to. */
  moved: ImageUpdate[];
  /** Image updates an earlier pass started that this pass continues (`PinOptions.inFlight`). */
  continued: ImageUpdate[];
  /**
   * References that could not be resolved. `running`: the service keeps the digest its replicas
   * run (an update check failed); otherwise the service cannot be deployed.
   */
  failures: { service: string; error: ImagePullError; running: boolean }[];
  /** References asked of the registry in this pass (update checks), with the digest they name now. */
  checked: { ref: string; digest?: string }[];
}

/** A service moving from the digest it ran to the one its followed tag names now. */
export interface ImageUpdate {
  service: string;
  ref: string;
  from: string;
  to: string;
}

/**
 * The digest a service's replicas run for this reference: the lowest running replica's, the
 * oldest unit of a replica first (a newer one beside it is a rollout that has not proven itself).
 */
export function runningDigest(
  service: string,
  ref: string,
  containers: readonly ActualContainer[],
): string | undefined {
  const pinned = containers
    .filter((c) => c.service === service && c.imageRef === ref && c.imageDigest)
    .sort((a, b) => rank(a) - rank(b) || a.replica - b.replica || a.createdAt - b.createdAt);
  return pinned[0]?.imageDigest;
}

/** Running replicas first: a stopped leftover of a failed rollout is not what runs. */
const rank = (c: ActualContainer): number => (c.state === 'running' ? 0 : 1);

export async function pinImages(
  desired: DesiredState,
  containers: readonly ActualContainer[],
  options: PinOptions,
): Promise<PinResult> {
  const pins: Record<string, ImagePin> = {};
  const moved: PinResult['moved'] = [];
  const continued: PinResult['continued'] = [];
  const failures: PinResult['failures'] = [];
  const checked: PinResult['checked'] = [];
  const digests: Record<string, string | undefined> = {};
  // One resolution per reference and pass, however many services share it.
  const resolved = new Map<string, Promise<ImagePin>>();
  const resolve = (ref: string, fresh: boolean) => {
    const key = `${fresh ? 'fresh' : 'held'}\0${ref}`;
    let pin = resolved.get(key);
    if (!pin) resolved.set(key, (pin = options.resolve(ref, fresh)));
    return pin;
  };
  for (const [name, spec] of Object.entries(desired.model.services)) {
    const ref = spec.image;
    const rejected = options.rejected?.get(ref);
    const found = runningDigest(name, ref, containers);
    // Still running a digest whose update failed (its undo on its way): what ran before it runs.
    const running =
      found !== undefined && found === rejected?.digest && rejected.from ? rejected.from : found;
    const due = options.updatesDue(spec);
    const flying = options.inFlight?.get(name);
    let pin: ImagePin | undefined;
    if (flying && flying.ref === ref) {
      pin = { ref, digest: flying.to };
      continued.push({ service: name, ref, from: flying.from, to: flying.to });
    } else if (running && !due) {
      pin = { ref, digest: running };
    } else {
      try {
        pin = await resolve(ref, due);
        if (due) checked.push({ ref, digest: pin.digest });
      } catch (err) {
        // Only the registry's answers are a service's own failure; an engine that went away
        // fails the pass as it would anywhere else.
        if (!(err instanceof ImagePullError)) throw err;
        const error = err;
        failures.push({ service: name, error, running: running !== undefined });
        if (running) pin = { ref, digest: running, note: `update check failed: ${error.message}` };
      }
      if (pin && running && pin.digest && pin.digest !== running) {
        if (rejected?.digest === pin.digest) {
          pin = { ref, digest: running, note: `${pin.digest} failed its rollout; kept ${running}` };
        } else {
          moved.push({ service: name, ref, from: running, to: pin.digest });
        }
      }
    }
    if (pin) pins[name] = pin;
    digests[name] = pin?.digest;
  }
  return {
    base: desired,
    desired: withDigests(desired, digests),
    pins,
    moved,
    continued,
    failures,
    checked,
  };
}

/** The desired state with these digests set and folded into the hashes (none: as it was). */
export function withDigests(base: DesiredState, digests: Record<string, string | undefined>): DesiredState {
  const services: Record<string, ServiceSpec> = {};
  const hashes: Record<string, string> = { ...base.hashes };
  for (const [name, spec] of Object.entries(base.model.services)) {
    const digest = digests[name];
    services[name] = digest ? { ...spec, imageDigest: digest } : spec;
    if (digest) hashes[name] = pinnedConfigHash(base.hashes[name] ?? '', digest);
  }
  return { ...base, model: { ...base.model, services }, hashes };
}

/** What a project's passes remember about images between passes (held by the daemon). */
export interface ImageMemory {
  /** Set by the image-update schedule; the next pass checks followed tags and clears it. */
  updateDue?: boolean;
  /** Digests whose rollout failed, by reference: not tried again until the tag moves on. */
  rejected: Map<string, RejectedDigest>;
  /** Image updates started by a pass and judged by later ones, by service. */
  inFlight: Map<string, ImageUpdateInFlight>;
  /** Set once `rejected` and `inFlight` were read back from the last status (after a restart). */
  restored?: boolean;
  /** References found to have no digest (built on the engine): not looked up again. */
  unpinned: Map<string, ImagePin>;
  /**
   * Why the last semver check's newer tags did not become a commit (unsigned, refused): shown in
   * the status until a check finds nothing to do or commits.
   */
  semverProblem?: { reason: 'ImageUpdateUnsigned' | 'ImageUpdateRefused'; message: string };
}

export function imageMemory(): ImageMemory {
  return { rejected: new Map(), unpinned: new Map(), inFlight: new Map() };
}

/** One image update a pass attempted, for logs, history and metrics. */
export interface ImageUpdateRecord {
  service: string;
  ref: string;
  from: string;
  to: string;
  ok: boolean;
  /** Why it was rolled back. */
  reason?: string;
}
