import type { AdmissionContext, AdmissionFinding } from '../policy/admission/index.js';
import type { ResolvedPolicy } from '../policy/index.js';
import type { StackModel } from '../stack/model.js';
import type { ActualState } from '../model/actual-state.js';
import type { ProjectHealth } from '../model/health.js';
import type { EngineCapabilities } from './capabilities.js';
import type { Action } from './plan-action.js';
import type { DesiredResource, DesiredState, LiveResource, Step, StepResult } from './resources.js';
import type { ImagePin, PullProgress, RegistryAuth } from '../model/image.js';

/**
 * The pure half of a driver, which needs no engine: what the engine can do, and the last gate at
 * commit time over the exact requests it would send. `spin validate` uses it offline.
 */
export interface EngineRules {
  readonly capabilities: EngineCapabilities;
  /**
   * The last gate at commit time: every create body the commit would send, judged. Relative bind
   * sources are resolved with `resolveBindSource` (a placeholder root at commit time).
   */
  admitCommit(
    desired: DesiredState,
    resolveBindSource: (source: string) => string,
    admission: AdmissionContext,
  ): AdmissionFinding[];
  /** The gate's view of a project: its policy, the names its things get, the folders Spin writes. */
  admissionContext(model: StackModel, policy: ResolvedPolicy, spinRoots: string[]): AdmissionContext;
}

/** What applying a step may use besides the step: the commit, the gate, a memo for the apply. */
export interface StepContext {
  desired: DesiredState;
  resolveBindSource(source: string): string;
  /** The project's policy and trusted paths: every create call's exact body is gated with it. */
  admission: AdmissionContext;
  /** The policy's minimum healthcheck interval in ms, for images' own HEALTHCHECKs. */
  minHealthcheckIntervalMs?: number;
  /** The registry login for pulling an image (the project's, for that image's host), if any. */
  registryAuth?(ref: string): Promise<RegistryAuth | undefined>;
  /** Told how a pull goes (throttled: per finished layer, or every few seconds). */
  onPullProgress?(progress: PullProgress): void;
  /**
   * Wait for every new unit's readiness within the step instead of answering `progressing`: for
   * an image update on a driver that cannot leave one on its way (`Driver.resumesImageUpdates`).
   */
  awaitReadiness?: boolean;
  /** Runs `work` once per apply for `key` (e.g. pulling an image several steps need). */
  once(key: string, work: () => Promise<void>): Promise<void>;
  /** Told after each engine action with its outcome; for logs and metrics. */
  report(action: Action, outcome: { ok: boolean; durationMs: number; error?: string }): void;
}

/**
 * The only thing the reconciler knows about an engine (issue 14). A driver renders the desired
 * state into keyed resources, observes what runs (one list per round, for all projects), says
 * per resource what differs and what a step will do, applies one step at a time, and watches the
 * engine for drift. It decides nothing about *whether* to act: that is the planner's.
 */
export interface Driver extends EngineRules {
  /**
   * Whether an image update may be left on its way like any rollout: a later pass that pins the
   * digest the update moves to finds the rollout in flight on the engine and judges it (Docker:
   * the `-next` container of that hash). Without it the pass that finds a moved digest waits for
   * the verdict within the step (`StepContext.awaitReadiness`) and undoes a failure itself.
   */
  readonly resumesImageUpdates?: boolean;
  /**
   * Everything Spin manages on this engine, all projects, in as few calls as the engine allows
   * (Docker: one container list, one network and one volume list). `containersOnly`: skip what
   * the caller keeps from an earlier full list (networks and volumes then come back empty).
   */
  listActual(options?: { containersOnly?: boolean }): Promise<ActualState>;
  ping(): Promise<void>;
  /** Pure: the desired state as keyed resources, in the order the driver would apply them. */
  render(desired: DesiredState): DesiredResource[];
  /** Pure: one project's live resources from the round's list. */
  observe(actual: ActualState, project: string): LiveResource[];
  /**
   * The manifest digest `ref` names now. `fresh`: ask the registry even when the engine holds the
   * image (an image-update check); otherwise a pulled image's own digest is enough. An image
   * built on the engine has none (a pin without digest, with a note). Throws ImagePullError.
   * Optional: an engine double without registries pins nothing.
   */
  resolveImage?(ref: string, options?: { auth?: RegistryAuth; fresh?: boolean }): Promise<ImagePin>;
  /**
   * Pure: why a live resource whose hash matches still differs from the desired one (stopped,
   * changed behind Spin's back, ...); empty when it does not.
   */
  drift(desired: DesiredResource, live: LiveResource, all: readonly LiveResource[]): string[];
  /** Pure: the engine actions a step will take, in the words plans are shown in. */
  actionsOf(step: Step, all: readonly LiveResource[]): Action[];
  /** Applies one step; returns when it is done, failed, or progressing (look again later). */
  applyStep(step: Step, actions: Action[], ctx: StepContext): Promise<StepResult>;
  /** Pure: the project's health from what runs, judged per kind; worst first. */
  health(model: StackModel | undefined, actual: ActualState): ProjectHealth;
  /**
   * Streams what may have moved the engine away from what Spin made: drift of managed resources,
   * as this driver judges its engine's events (which event names count is the driver's business),
   * and reconnections after the engine went away (anything may have happened meanwhile). Reconnects
   * by itself. `onEvent` must be cheap (it only marks projects due).
   */
  watchEvents(onEvent: (event: EngineEvent) => void): () => void;
  /**
   * What one container of `project` printed, as the engine keeps it, in the order printed.
   * Refuses (throws) a container that does not carry Spin's labels for that project, so a caller
   * allowed one project's logs reads no other's. Without `follow` it ends after what is kept;
   * with it, when the container stops. Aborting `signal` ends it and releases the engine stream.
   */
  logs(request: LogRequest): AsyncIterable<LogChunk>;
}

/** Which output of a container to read: Docker's `logs` parameters, engine-neutral. */
export interface LogRequest {
  project: string;
  containerId: string;
  follow: boolean;
  /** Only output printed at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Only the last N lines of what is kept (then, with `follow`, everything new). */
  tail?: number;
  /** Each line starts with the engine's RFC 3339 time it was printed. */
  timestamps: boolean;
  signal: AbortSignal;
}

/** A piece of a container's output: not a line, lines may be cut anywhere (see model/log-lines). */
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** Something the engine reported that may need a replan: see `Driver.watchEvents`. */
export type EngineEvent = DriftEvent | { kind: 'reconnected' };

/** A managed resource changed outside a pass of its own (stopped, removed, renamed, ...). */
export interface DriftEvent {
  kind: 'drift';
  project: string;
  /** The engine's word for what happened, for logs only. */
  action: string;
  name: string;
  /** The engine's id, when it gave one. */
  id?: string;
  /** When the engine says it happened (ms since the epoch), for the latency trace in debug logs. */
  at?: number;
  /**
   * The key of the resource it concerns, as this driver renders it (`render`), when the event
   * tells: a pass that runs may repair that resource beside its own steps (repair-lane.ts).
   */
  resource?: string;
  /**
   * True when an API client stopped or removed the container (`docker stop`, `kill`, `rm -f`), as
   * opposed to its process ending by itself (a crash, an exit): such a stop needs a repair every
   * time, while a crash loop must not be restarted in a tight loop (repair-lane.ts).
   */
  outside?: boolean;
}
