import type { AdmissionContext } from '../../policy/admission/index.js';
import type { NetworkSpec, ServiceSpec, VolumeSpec } from '../../stack/model.js';
import type { ActualState } from '../../model/actual-state.js';
import type { JoinKey } from '../../stack/joins.js';
import type { EngineEvent, LogChunk, LogRequest } from '../driver.js';
import type { ImagePin, PullProgress, RegistryAuth } from '../../model/image.js';

/** What a container is created from: the spec plus the labels Spin adds to it. */
export interface ContainerRequest {
  project: string;
  name: string;
  replica: number;
  spec: ServiceSpec;
  commit: string;
  configHash: string;
  /** Absolute host paths for bind sources given relative to the repository. */
  resolveBindSource(source: string): string;
  /** The project's policy and trusted paths: the driver gates the exact body before sending it. */
  admission: AdmissionContext;
  /**
   * Ids of the containers whose namespaces this one joins, per key. Set by the driver itself
   * right before the create call, after checking their labels; anything given here is ignored.
   */
  joined?: Partial<Record<JoinKey, string>>;
  /**
   * The policy's `resources.minHealthcheckInterval` in ms: an image's own HEALTHCHECK with a
   * shorter interval is sent back with the interval raised to it (stack healthchecks are the
   * policy's to judge). Absent or 0: the image's check runs as it is.
   */
  minHealthcheckIntervalMs?: number;
}

/**
 * The container verbs Docker's resource steps are carried out with (`ContainerEngine`). Until
 * issue 14 this was the reconciler's `Driver`; now only src/drivers/docker/ sees it, so a test
 * can put an engine in memory behind the same rollout code. It lists and acts; it decides nothing.
 */
export interface ContainerDriver {
  /**
   * Everything Spin manages on this engine, all projects, in one container-list call (and one
   * network and one volume list). `containersOnly`: skip those two (networks and volumes then
   * come back empty), for a caller that keeps them from an earlier full list.
   */
  listActual(options?: { containersOnly?: boolean }): Promise<ActualState>;
  ping(): Promise<void>;
  /** See `Driver.resolveImage`. */
  resolveImage?(ref: string, options?: { auth?: RegistryAuth; fresh?: boolean }): Promise<ImagePin>;
  /** Pulls `ref` (plain or `repo@digest`) unless the engine has it. Throws ImagePullError. */
  ensureImage(ref: string, auth?: RegistryAuth, onProgress?: (progress: PullProgress) => void): Promise<void>;
  /** Each create call is gated on its exact body first (AdmissionError: nothing is sent). */
  createNetwork(project: string, network: NetworkSpec, admission: AdmissionContext): Promise<void>;
  removeNetwork(id: string): Promise<void>;
  createVolume(project: string, volume: VolumeSpec, admission: AdmissionContext): Promise<void>;
  removeVolume(project: string, key: string): Promise<void>;
  /**
   * Throws (AdmissionError) when the last gate refuses the body `createContainer` would send for
   * this request; sends nothing. Lets a rollout refuse before it stops the container it replaces.
   */
  admitContainer(request: ContainerRequest): void;
  /** Creates (not starts) the container, attached to all its networks; returns its id. */
  createContainer(request: ContainerRequest): Promise<string>;
  startContainer(id: string): Promise<void>;
  /**
   * Stops within the grace period (then the engine kills it); without one, the container's own
   * StopTimeout applies. Already stopped is fine.
   */
  stopContainer(id: string, graceSeconds?: number): Promise<void>;
  /** Removes the container and its anonymous volumes, never named ones. Already gone is fine. */
  removeContainer(id: string): Promise<void>;
  renameContainer(id: string, name: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerProbe>;
  /**
   * Streams what may have moved the engine away from what Spin made: drift of managed containers,
   * as this driver judges its engine's events (which event names count is the driver's business),
   * and reconnections after the engine went away (anything may have happened meanwhile). Reconnects
   * by itself. `onEvent` must be cheap (it only marks projects due).
   */
  watchEvents(onEvent: (event: EngineEvent) => void): () => void;
  /** See `Driver.logs`: one container's output, refused unless it carries the project's labels. */
  logs(request: LogRequest): AsyncIterable<LogChunk>;
}

/** What the rollout needs to know about one container, fresh from the engine. */
export interface ContainerProbe {
  state: string;
  health: 'none' | 'starting' | 'healthy' | 'unhealthy';
  exitCode: number;
  /** Last health-check output, for the reason shown when a rollout fails. */
  healthLog?: string;
  /**
   * When it was last started (its creation, if never), ms since the epoch: how long a service
   * has waited for it is counted from here, so the count survives a daemon restart.
   */
  startedAt?: number;
  /** When it was created, ms since the epoch. */
  createdAt?: number;
  /** When its last run ended, ms since the epoch; absent while it runs or if it never ran. */
  finishedAt?: number;
  /**
   * How often the engine restarted it by its restart policy since it was last started by hand
   * (or by Spin): the engine sets it back to 0 on every explicit start.
   */
  restartCount?: number;
  /** Whether a health check passed since its last start (from the engine's health log). */
  passedSinceStart?: boolean;
  /**
   * How long the container's own healthcheck (the image's HEALTHCHECK when the stack sets none)
   * may take to reach a verdict, in ms (see `healthcheckWindowMs`); absent without one.
   */
  ownCheckWindowMs?: number;
}
