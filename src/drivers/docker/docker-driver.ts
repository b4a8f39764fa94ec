import type Docker from 'dockerode';
import type { NetworkSpec, VolumeSpec } from '../../stack/model.js';
import type { ActualContainer, ActualState } from '../../reconciler/state.js';
import { LABEL, networkName, volumeName } from '../../reconciler/labels.js';
import type { ContainerProbe, ContainerRequest, Driver, EngineEvent } from '../driver.js';
import { containerCreateOptions } from './container-spec.js';
import { errorMessage } from '../../util/errors.js';
import { toActualContainer, toActualNetwork, toActualVolume, toRuntimeSettings } from './actual.js';

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

export class DockerDriver implements Driver {
  /** Containers whose runtime settings are known to be as created (or were inspected since). */
  private readonly checked = new Set<string>();
  /** Containers with an `update` event since they were last inspected. */
  private readonly suspects = new Set<string>();

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
    for (let i = 0; i < due.length; i += RUNTIME_INSPECT_BATCH) {
      await Promise.all(
        due.slice(i, i + RUNTIME_INSPECT_BATCH).map(async (c) => {
          this.suspects.delete(c.id);
          this.count('containers.inspect');
          try {
            c.runtime = toRuntimeSettings((await this.docker.getContainer(c.id).inspect()).HostConfig);
            this.checked.add(c.id);
          } catch (err) {
            if (statusOf(err) !== 404) throw err; // removed meanwhile: the next list shows it
          }
        }),
      );
    }
  }

  async ping(): Promise<void> {
    this.count('ping');
    await this.docker.ping();
  }

  async ensureImage(ref: string): Promise<void> {
    this.count('images.inspect');
    try {
      await this.docker.getImage(ref).inspect();
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    this.count('images.pull');
    try {
      const stream = await this.docker.pull(ref);
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())),
      );
    } catch (err) {
      throw new Error(`image ${ref} is not on the engine and could not be pulled: ${errorMessage(err)}`);
    }
  }

  async createNetwork(project: string, network: NetworkSpec): Promise<void> {
    this.count('networks.create');
    await this.docker.createNetwork({
      Name: networkName(project, network.name),
      Driver: network.driver,
      Internal: network.internal,
      CheckDuplicate: true,
      Labels: {
        ...network.labels,
        [LABEL.managed]: 'true',
        [LABEL.project]: project,
        [LABEL.network]: network.name,
      },
    });
  }

  async removeNetwork(id: string): Promise<void> {
    this.count('networks.remove');
    await ignoreStatus(this.docker.getNetwork(id).remove(), 404);
  }

  async createVolume(project: string, volume: VolumeSpec): Promise<void> {
    this.count('volumes.create');
    await this.docker.createVolume({
      Name: volumeName(project, volume.name),
      Driver: volume.driver,
      DriverOpts: volume.driverOpts,
      Labels: {
        ...volume.labels,
        [LABEL.managed]: 'true',
        [LABEL.project]: project,
        [LABEL.volume]: volume.name,
      },
    });
  }

  async removeVolume(project: string, key: string): Promise<void> {
    this.count('volumes.remove');
    await ignoreStatus(this.docker.getVolume(volumeName(project, key)).remove(), 404);
  }

  async createContainer(request: ContainerRequest): Promise<string> {
    const { options, extraNetworks } = containerCreateOptions(request);
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
    await ignoreStatus(this.docker.getContainer(id).remove({ force: true, v: false }), 404);
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
    };
  }

  watchEvents(onEvent: (event: EngineEvent) => void): () => void {
    let closed = false;
    let stream: NodeJS.ReadableStream | undefined;
    let timer: NodeJS.Timeout | undefined;
    const connect = () => {
      if (closed) return;
      this.count('events');
      this.docker
        .getEvents({ filters: { type: ['container'], label: [`${LABEL.managed}=true`] } })
        .then((s) => {
          stream = s;
          let buffer = '';
          s.on('data', (chunk: Buffer) => {
            buffer += chunk.toString();
            let newline: number;
            while ((newline = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, newline);
              buffer = buffer.slice(newline + 1);
              const event = parseEvent(line);
              if (!event) continue;
              if (event.action === 'update' && event.id) this.suspects.add(event.id);
              onEvent(event);
            }
          });
          // The stream ends when the engine restarts: reconnect, and let the caller resync.
          s.on('end', retry);
          s.on('error', retry);
          onEvent({ project: '', action: 'connected', name: '' });
        })
        .catch(retry);
    };
    const retry = () => {
      stream = undefined;
      if (closed) return;
      clearTimeout(timer);
      timer = setTimeout(connect, EVENT_RECONNECT_MS);
      timer.unref();
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      (stream as { destroy?: () => void } | undefined)?.destroy?.();
    };
  }
}

const EVENT_RECONNECT_MS = 2_000;
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

function parseEvent(line: string): EngineEvent | undefined {
  try {
    const raw = JSON.parse(line) as {
      Action?: string;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
    };
    const attributes = raw.Actor?.Attributes ?? {};
    const project = attributes[LABEL.project];
    if (!project || !raw.Action) return undefined;
    return { project, action: raw.Action, name: attributes.name ?? '', id: raw.Actor?.ID };
  } catch {
    return undefined;
  }
}
