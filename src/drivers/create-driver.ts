import type { SpinConfig } from '../config/types.js';
import { connectDocker } from './docker/connect.js';
import { DockerDriver, type DockerDriverOptions } from './docker/docker-driver.js';
import type { Driver } from './driver.js';

/**
 * The engine driver the daemon config names, built in this one place for the daemon and for
 * `spin plan` (which must see the engine as the daemon does). Today every config names the Docker
 * engine at `docker.host`; another engine plugs in here.
 */
export function createDriver(config: Pick<SpinConfig, 'docker'>, options: DockerDriverOptions = {}): Driver {
  return new DockerDriver(connectDocker(config.docker.host), undefined, options);
}
