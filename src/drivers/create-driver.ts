import type { SpinConfig } from '../config/types.js';
import { connectDocker } from './docker/connect.js';
import { ContainerEngine } from './docker/container-engine.js';
import { DockerDriver, type DockerDriverOptions } from './docker/docker-driver.js';
import { dockerRules } from './docker/rules.js';
import type { Driver, EngineRules } from './driver.js';
import { createSwarmDriver, swarmRules } from './swarm/index.js';

/**
 * The engine driver the daemon config names, built in this one place for the daemon and for
 * `spin plan` (which must see the engine as the daemon does). Today every config names the Docker
 * engine at `docker.host`, or with `docker.kind: swarm` the Swarm it manages; another engine plugs in here (and in `engineRules`).
 */
export function createDriver(config: Pick<SpinConfig, 'docker'>, options: DockerDriverOptions = {}): Driver {
  if (config.docker.kind === 'swarm') return createSwarmDriver(connectDocker(config.docker.host));
  return new ContainerEngine(new DockerDriver(connectDocker(config.docker.host), undefined, options));
}

/**
 * The configured engine's pure rules (capabilities, the last gate), for gating without an engine
 * (`spin validate`). Without a config: the Docker engine's.
 */
export function engineRules(config?: Pick<SpinConfig, 'docker'>): EngineRules {
  return config?.docker.kind === 'swarm' ? swarmRules : dockerRules;
}
