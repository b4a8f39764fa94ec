import type { EngineConfig } from '../config/types.js';
import { connectDocker } from './docker/connect.js';
import { ContainerEngine } from './docker/container-engine.js';
import { DockerDriver, type DockerDriverOptions } from './docker/docker-driver.js';
import { dockerRules } from './docker/rules.js';
import type { Driver, EngineRules } from './driver.js';
import { createSwarmDriver, swarmRules } from './swarm/index.js';

/**
 * The driver for one configured engine, built in this one place for the daemon (one per engine)
 * and for `spin plan` (which must see the engine as the daemon does). Another engine plugs in
 * here (and in `engineRules`): `kind: swarm` runs stacks as Swarm services (src/drivers/swarm/).
 */
export function createDriver(engine: EngineConfig, options: DockerDriverOptions = {}): Driver {
  const docker = connectDocker(engine.host, engine.tls);
  if (engine.kind === 'swarm') {
    return createSwarmDriver(docker);
  }
  return new ContainerEngine(new DockerDriver(docker, undefined, options));
}

/**
 * The configured engine's pure rules (capabilities, the last gate), for gating without an engine
 * (`spin validate`). Without an engine: the Docker engine's.
 */
export function engineRules(engine?: Pick<EngineConfig, 'kind'>): EngineRules {
  return engine?.kind === 'swarm' ? swarmRules : dockerRules;
}
