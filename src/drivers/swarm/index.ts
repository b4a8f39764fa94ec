/** The Swarm driver (issue 15): `createSwarmDriver` for the composition root and `createDriver`. */
import type Docker from 'dockerode';
import type { Driver } from '../driver.js';
import { SwarmDriver, type SwarmDriverOptions } from './swarm-driver.js';

export { SWARM_CAPABILITIES, swarmRules } from './rules.js';
export type { SwarmDriverOptions } from './swarm-driver.js';

/** A driver for the Swarm whose manager `docker` reaches (a manager's socket: services live there). */
export function createSwarmDriver(docker: Docker, options: SwarmDriverOptions = {}): Driver {
  return new SwarmDriver(docker, options);
}
