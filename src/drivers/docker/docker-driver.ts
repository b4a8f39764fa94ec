import type Docker from 'dockerode';
import type { NetworkSpec, VolumeSpec } from '../../stack/model.js';
import type { ActualState } from '../../reconciler/state.js';
import { LABEL, networkName, volumeName } from '../../reconciler/labels.js';
import type { ContainerProbe, ContainerRequest, Driver, EngineEvent } from '../driver.js';
import { containerCreateOptions } from './container-spec.js';
import { errorMessage } from '../../util/errors.js';
import { toActualContainer, toActualNetwork, toActualVolume } from './actual.js';

const MANAGED_FILTER = { label: [`${LABEL.managed}=true`] };

/** Counts engine calls by kind, so tests and benchmarks can hold the driver to its call budget. */
export type CallCounter = (call: string) => void;

export class DockerDriver implements Driver {
  constructor(
    private readonly docker: Docker,
    private readonly count: CallCounter = () => {},
  ) {}

  async listActual(): Promise<ActualState> {
    this.count('containers.list');
    this.count('networks.list');
    this.count('volumes.list');
    const [containers, networks, volumes] = await Promise.all([
      this.docker.listContainers({ all: true, filters: MANAGED_FILTER }),
      this.docker.listNetworks({ filters: MANAGED_FILTER }),
      this.docker.listVolumes({ filters: MANAGED_FILTER }),
    ]);
    return {
      containers: containers.map(toActualContainer),
      networks: networks.map(toActualNetwork),
      volumes: (volumes.Volumes ?? []).map(toActualVolume),
    };
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
              if (event) onEvent(event);
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
    const raw = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
    const attributes = raw.Actor?.Attributes ?? {};
    const project = attributes[LABEL.project];
    if (!project || !raw.Action) return undefined;
    return { project, action: raw.Action, name: attributes.name ?? '' };
  } catch {
    return undefined;
  }
}
