import type Docker from 'dockerode';
import type { NetworkSpec, VolumeSpec } from '../../stack/model.js';
import type { ActualContainer, ActualState } from '../../model/actual-state.js';
import { LABEL, containerName, volumeName } from '../../stack/names.js';
import { JOIN_KEYS, joinValue, parseJoin, type JoinKey } from '../../stack/joins.js';
import type { EngineEvent, LogChunk, LogRequest } from '../driver.js';
import { watchEventLines } from '../event-lines.js';
import type { ContainerDriver, ContainerProbe, ContainerRequest } from './container-driver.js';
import {
  admitContainer,
  admitNetwork,
  admitVolume,
  type AdmissionContext,
} from '../../policy/admission/index.js';
import { refuseUnlessAdmitted } from './admission-error.js';
import { containerCreateOptions } from './container-spec.js';
import { healthcheckWindowMs } from './readiness.js';
import { imageHealthcheckWithinPolicy, type ImageHealthcheck } from './image-healthcheck.js';
import { networkCreateOptions } from './network-spec.js';
import { placeholderJoins } from './render-project.js';
import { volumeCreateOptions } from './volume-spec.js';
import { errorMessage } from '../../util/errors.js';
import { parseDurationMs } from '../../util/units.js';
import { toActualContainer, toActualNetwork, toActualVolume, toRuntimeSettings } from './actual.js';
import { OutsideStops, driftOf, parseEvent } from './engine-events.js';
import { readEngineLogs } from './log-frames.js';
import type { ImagePin, PullProgress, RegistryAuth } from '../../model/image.js';
import { pinnedImage } from '../../util/image-ref.js';
import { toImagePullError } from './pull-error.js';
import { resolveImagePin, type ImageLookup } from './resolve-image.js';
import { PullTracker, type PullEvent } from './pull-progress.js';

const MANAGED_FILTER = { label: [`${LABEL.managed}=true`] };

/** Counts engine calls by kind, so tests and benchmarks can hold the driver to its call budget. */
export type CallCounter = (call: string) => void;

export interface DockerDriverOptions {
  /**
   * Inspect containers whose `docker update`-able settings may differ from what Spin set (see
   * ActualContainer.runtime): all of them (the daemon), or those a predicate picks (`spin plan`,
   * one project's).
   */
  checkRuntime?: boolean | ((container: ActualContainer) => boolean);
}

export class DockerDriver implements ContainerDriver {
  /** Containers whose runtime settings are known to be as created (or were inspected since). */
  private readonly checked = new Set<string>();
  /** Containers with an `update` event since they were last inspected. */
  private readonly suspects = new Set<string>();
  /** Each image's own HEALTHCHECK (null: none), as last inspected by ensureImage. */
  private readonly imageHealthchecks = new Map<string, ImageHealthcheck | null>();

  constructor(
    private readonly docker: Docker,
    private readonly count: CallCounter = () => {},
    private readonly options: DockerDriverOptions = {},
  ) {}

  async listActual(options: { containersOnly?: boolean } = {}): Promise<ActualState> {
    this.count('containers.list');
    if (!options.containersOnly) {
      this.count('networks.list');
      this.count('volumes.list');
    }
    const [containers, networks, volumes] = await Promise.all([
      this.docker.listContainers({ all: true, filters: MANAGED_FILTER }),
      options.containersOnly ? [] : this.docker.listNetworks({ filters: MANAGED_FILTER }),
      options.containersOnly ? { Volumes: [] } : this.docker.listVolumes({ filters: MANAGED_FILTER }),
    ]);
    const actual = containers.map(toActualContainer);
    if (this.options.checkRuntime) await this.inspectRuntime(actual);
    return {
      containers: actual,
      networks: networks.map(toActualNetwork),
      volumes: (volumes.Volumes ?? []).map(toActualVolume),
    };
  }

  /**
   * The list call does not show resource settings, so `docker update` is invisible to it. Each
   * container is inspected once when first seen (unless Spin created it in this process) and
   * again after an `update` event: steady passes inspect nothing, and a restarted daemon still
   * finds what was changed while it was down.
   */
  private async inspectRuntime(containers: ActualContainer[]): Promise<void> {
    const live = new Set(containers.map((c) => c.id));
    for (const id of this.checked) if (!live.has(id)) this.checked.delete(id);
    for (const id of this.suspects) if (!live.has(id)) this.suspects.delete(id);
    const { checkRuntime } = this.options;
    const due = containers.filter(
      (c) =>
        (!this.checked.has(c.id) || this.suspects.has(c.id)) &&
        (typeof checkRuntime !== 'function' || checkRuntime(c)),
    );
    // A pool, not batches: one slow inspect does not hold the next seven back.
    let next = 0;
    const worker = async () => {
      for (let c = due[next++]; c !== undefined; c = due[next++]) {
        this.suspects.delete(c.id);
        this.count('containers.inspect');
        try {
          c.runtime = toRuntimeSettings((await this.docker.getContainer(c.id).inspect()).HostConfig);
          this.checked.add(c.id);
        } catch (err) {
          if (statusOf(err) !== 404) throw err; // removed meanwhile: the next list shows it
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RUNTIME_INSPECT_BATCH, due.length) }, worker));
  }

  async ping(): Promise<void> {
    this.count('ping');
    await this.docker.ping();
  }

  async resolveImage(ref: string, options: { auth?: RegistryAuth; fresh?: boolean } = {}): Promise<ImagePin> {
    const lookup: ImageLookup = {
      inspect: (r) => this.inspectImage(r),
      distribution: (r, auth) => {
        this.count('images.distribution');
        return this.docker.getImage(r).distribution(auth ? { authconfig: auth } : {});
      },
    };
    return resolveImagePin(lookup, ref, options);
  }

  async ensureImage(
    ref: string,
    auth?: RegistryAuth,
    onProgress?: (progress: PullProgress) => void,
  ): Promise<void> {
    if (await this.inspectImage(ref)) return;
    this.count('images.pull');
    const tracker = new PullTracker(ref);
    try {
      const stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {});
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(
          stream,
          (e: Error | null, output?: { error?: string }[]) => {
            // A failure after the stream began arrives as an `error` line, not a status code.
            const failed = e ?? output?.find((line) => line.error)?.error;
            if (failed) reject(failed instanceof Error ? failed : new Error(failed));
            else resolve();
          },
          (event: PullEvent) => {
            const report = onProgress && tracker.update(event);
            if (report) onProgress(report);
          },
        ),
      );
    } catch (err) {
      throw toImagePullError(ref, 'pulled', err);
    }
    onProgress?.(tracker.finish());
    await this.inspectImage(ref);
  }

  /**
   * Inspects an image and keeps its HEALTHCHECK for createContainer; undefined when it is absent.
   */
  private async inspectImage(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    this.count('images.inspect');
    try {
      const info = await this.docker.getImage(ref).inspect();
      this.imageHealthchecks.set(ref, (info.Config?.Healthcheck as ImageHealthcheck | undefined) ?? null);
      return info;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      return undefined;
    }
  }

  /**
   * The healthcheck to send when the stack sets none: the image's own, brought within the
   * policy's interval minimum and period, timeout and retry ceilings (see
   * imageHealthcheckWithinPolicy), else undefined.
   */
  private async imageHealthcheck(req: ContainerRequest): Promise<ImageHealthcheck | undefined> {
    if (req.spec.healthcheck) return undefined;
    const resources = req.admission.policy.resources;
    const bounds = {
      minIntervalMs: req.minHealthcheckIntervalMs ?? 0,
      maxPeriodMs: parseDurationMs(resources.maxHealthcheckPeriod),
      maxTimeoutMs: parseDurationMs(resources.maxHealthcheckTimeout),
      maxRetries: resources.maxHealthcheckRetries,
    };
    // The pinned image's own check: the tag may name other bits on the engine by now.
    const image = pinnedImage(req.spec.image, req.spec.imageDigest);
    if (!this.imageHealthchecks.has(image)) await this.inspectImage(image);
    return imageHealthcheckWithinPolicy(this.imageHealthchecks.get(image), bounds);
  }

  async createNetwork(project: string, network: NetworkSpec, admission: AdmissionContext): Promise<void> {
    const body = networkCreateOptions(project, network);
    refuseUnlessAdmitted(admitNetwork(body, network.name, admission));
    this.count('networks.create');
    await this.docker.createNetwork(body);
  }

  async removeNetwork(id: string): Promise<void> {
    this.count('networks.remove');
    await ignoreStatus(this.docker.getNetwork(id).remove(), 404);
  }

  async createVolume(project: string, volume: VolumeSpec, admission: AdmissionContext): Promise<void> {
    const body = volumeCreateOptions(project, volume);
    refuseUnlessAdmitted(admitVolume(body, volume.name, admission));
    this.count('volumes.create');
    await this.docker.createVolume(body);
  }

  async removeVolume(project: string, key: string): Promise<void> {
    this.count('volumes.remove');
    await ignoreStatus(this.docker.getVolume(volumeName(project, key)).remove(), 404);
  }

  admitContainer(request: ContainerRequest): void {
    // Before a replace stops anything: joins stand in by name here (their ids are resolved and
    // checked by label only at the create call itself).
    const { options } = containerCreateOptions({
      ...request,
      joined: placeholderJoins(request.project, request.spec),
    });
    refuseUnlessAdmitted(admitContainer(options, request.spec.name, request.admission));
  }

  async createContainer(request: ContainerRequest): Promise<string> {
    const joined = await this.resolveJoins(request);
    const { options, extraNetworks } = containerCreateOptions({ ...request, joined });
    const healthcheck = await this.imageHealthcheck(request);
    if (healthcheck) options.Healthcheck = healthcheck;
    // Judged last, on the exact body: the joins are ids the driver has just checked by label.
    refuseUnlessAdmitted(
      admitContainer(options, request.spec.name, withJoinedContainers(request.admission, request, joined)),
    );
    this.count('containers.create');
    const container = await this.docker.createContainer(options);
    this.checked.add(container.id);
    for (const net of extraNetworks) {
      this.count('networks.connect');
      await this.docker
        .getNetwork(net.name)
        .connect({ Container: container.id, EndpointConfig: { Aliases: net.aliases } });
    }
    return container.id;
  }

  /**
   * The containers a new one joins (`network_mode`/`pid`/`ipc: service:X`), found by label and
   * checked on an inspect right before the create call: managed, of this very project, running.
   * The engine then gets `container:<id>`, never a name it would resolve itself, so a join can
   * never land on another project's container whatever names exist. A refusal throws before
   * anything is created.
   */
  private async resolveJoins(req: ContainerRequest): Promise<Partial<Record<JoinKey, string>>> {
    const joined: Partial<Record<JoinKey, string>> = {};
    for (const key of JOIN_KEYS) {
      const value = joinValue(req.spec, key);
      const join = value === undefined ? undefined : parseJoin(req.project, key, value);
      if (!join) continue;
      if (!join.ok) throw new Error(`refused: ${join.reason}`);
      const { service, replica } = join.target;
      this.count('containers.list');
      const listed = await this.docker.listContainers({
        all: true,
        filters: {
          label: [
            `${LABEL.managed}=true`,
            `${LABEL.project}=${req.project}`,
            `${LABEL.service}=${service}`,
            `${LABEL.replica}=${replica}`,
          ],
        },
      });
      const canonical = `/${containerName(req.project, service, replica)}`;
      const rank = (c: Docker.ContainerInfo) => (c.Names?.includes(canonical) ? 1 : 0);
      const pick = listed
        .filter((c) => c.State === 'running')
        .sort((a, b) => rank(b) - rank(a) || b.Created - a.Created)[0];
      const refuse = (why: string) =>
        new Error(`refused: ${key} "${value}" of service ${req.spec.name}: ${why}; nothing was created`);
      if (!pick) throw refuse(`no running container of service ${service} of project ${req.project}`);
      this.count('containers.inspect');
      const info = await this.docker.getContainer(pick.Id).inspect();
      const labels = info.Config.Labels ?? {};
      if (labels[LABEL.managed] !== 'true' || labels[LABEL.project] !== req.project) {
        throw refuse(`container ${pick.Id.slice(0, 12)} is not a container of project ${req.project}`);
      }
      if (!info.State.Running) throw refuse(`container ${pick.Id.slice(0, 12)} is not running`);
      joined[key] = info.Id;
    }
    return joined;
  }

  async startContainer(id: string): Promise<void> {
    this.count('containers.start');
    await ignoreStatus(this.docker.getContainer(id).start(), 304);
  }

  async stopContainer(id: string, graceSeconds?: number): Promise<void> {
    this.count('containers.stop');
    const options = graceSeconds === undefined ? {} : { t: graceSeconds };
    await ignoreStatus(this.docker.getContainer(id).stop(options), 304, 404);
  }

  async removeContainer(id: string): Promise<void> {
    this.count('containers.remove');
    const container = this.docker.getContainer(id);
    try {
      // `v: true` removes the container's anonymous volumes (an image's VOLUME makes one at each
      // create, unlabelled, and would otherwise pile up at every recreate); named volumes, the
      // stack's data, are never removed by it (the engine keeps every volume that has a name given).
      await ignoreStatus(container.remove({ force: true, v: true }), 404);
    } catch (err) {
      // Someone's `docker rm -f` is already removing it (a drift repair woken by its `die`, before
      // its `destroy`): the name is free once that removal ends, so wait for it instead of failing.
      if (statusOf(err) !== 409 || !/in progress/i.test(errorMessage(err))) throw err;
      this.count('containers.wait');
      await ignoreStatus(container.wait({ condition: 'removed' }), 404);
    }
  }

  async renameContainer(id: string, name: string): Promise<void> {
    this.count('containers.rename');
    await this.docker.getContainer(id).rename({ name });
  }

  async inspectContainer(id: string): Promise<ContainerProbe> {
    this.count('containers.inspect');
    const info = await this.docker.getContainer(id).inspect();
    const health = info.State.Health;
    const lastLog = health?.Log?.[health.Log.length - 1];
    return {
      state: info.State.Status,
      health: (health?.Status as ContainerProbe['health'] | undefined) ?? 'none',
      exitCode: info.State.ExitCode,
      healthLog: lastLog?.Output?.trim().slice(0, 200),
      startedAt: startedAt(info.State.StartedAt, info.Created),
      ...probeTimes(info),
      ...ownCheckWindow(info.Config.Healthcheck),
    };
  }

  watchEvents(onEvent: (event: EngineEvent) => void): () => void {
    const outsideStops = new OutsideStops();
    return watchEventLines({
      open: () => {
        this.count('events');
        return this.docker.getEvents({ filters: { type: ['container'], label: [`${LABEL.managed}=true`] } });
      },
      onLine: (line) => {
        const event = parseEvent(line);
        if (!event) return;
        if (event.action === 'update' && event.id) this.suspects.add(event.id);
        const drift = driftOf(event, outsideStops.judge(event));
        if (drift) onEvent(drift);
      },
      onConnected: () => onEvent({ kind: 'reconnected' }),
      reconnectMs: EVENT_RECONNECT_MS,
    });
  }

  async *logs(request: LogRequest): AsyncIterable<LogChunk> {
    this.count('containers.inspect');
    const container = this.docker.getContainer(request.containerId);
    const info = await container.inspect({ abortSignal: request.signal } as object);
    const labels = info.Config.Labels ?? {};
    if (labels[LABEL.managed] !== 'true' || labels[LABEL.project] !== request.project) {
      throw new Error(`container ${request.containerId.slice(0, 12)} is not one of ${request.project}'s`);
    }
    this.count('containers.logs');
    yield* readEngineLogs(
      this.docker.modem,
      {
        path: `/containers/${encodeURIComponent(info.Id)}/logs`,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        tty: info.Config.Tty === true,
      },
      request,
    );
  }
}

const EVENT_RECONNECT_MS = 2_000;
/** Runtime inspects in flight at once. */
const RUNTIME_INSPECT_BATCH = 8;

async function ignoreStatus(promise: Promise<unknown>, ...codes: number[]): Promise<void> {
  try {
    await promise;
  } catch (err) {
    if (!codes.includes(statusOf(err) ?? -1)) throw err;
  }
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as { statusCode?: number }).statusCode : undefined;
}

/** The admission context with the ids of the containers this one joins, each of the service it names. */
function withJoinedContainers(
  admission: AdmissionContext,
  request: ContainerRequest,
  joined: Partial<Record<JoinKey, string>>,
): AdmissionContext {
  const containers = new Map(admission.containers);
  for (const key of JOIN_KEYS) {
    const id = joined[key];
    const value = joinValue(request.spec, key);
    const join = value === undefined ? undefined : parseJoin(request.project, key, value);
    if (id && join?.ok) containers.set(id, join.target.service);
  }
  return { ...admission, containers };
}

/** Pure: the last start time of an inspected container; its creation when it never started. */
export function startedAt(started: string | undefined, created: string | undefined): number | undefined {
  const at = Date.parse(started ?? '');
  // The engine says "0001-01-01T00:00:00Z" for a container that never started.
  if (Number.isFinite(at) && at > 0) return at;
  const made = Date.parse(created ?? '');
  return Number.isFinite(made) ? made : undefined;
}

/** Pure: the parts of an inspect that let a later pass judge a container's last start. */
export function probeTimes(info: {
  Created?: string;
  RestartCount?: number;
  State: {
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Log?: { Start?: string; ExitCode?: number }[] } | null;
  };
}): Pick<ContainerProbe, 'createdAt' | 'finishedAt' | 'restartCount' | 'passedSinceStart'> {
  const created = Date.parse(info.Created ?? '');
  const finished = Date.parse(info.State.FinishedAt ?? '');
  const started = Date.parse(info.State.StartedAt ?? '');
  const log = info.State.Health?.Log ?? [];
  const passedSinceStart =
    Number.isFinite(started) &&
    log.some((entry) => entry.ExitCode === 0 && Date.parse(entry.Start ?? '') >= started);
  return {
    ...(Number.isFinite(created) ? { createdAt: created } : {}),
    // The engine says "0001-01-01T00:00:00Z" for a run that has not ended (or never began).
    ...(Number.isFinite(finished) && finished > 0 ? { finishedAt: finished } : {}),
    restartCount: info.RestartCount ?? 0,
    passedSinceStart,
  };
}

/** The container's own healthcheck window (inspect's durations are in ns), if it has a check. */
export function ownCheckWindow(
  hc:
    | { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number }
    | undefined,
): Pick<ContainerProbe, 'ownCheckWindowMs'> {
  if (!hc?.Test?.length || hc.Test[0] === 'NONE') return {};
  const ms = (ns: number | undefined) => (ns ? ns / 1_000_000 : undefined);
  return {
    ownCheckWindowMs: healthcheckWindowMs({
      intervalMs: ms(hc.Interval),
      timeoutMs: ms(hc.Timeout),
      startPeriodMs: ms(hc.StartPeriod),
      retries: hc.Retries,
    }),
  };
}
