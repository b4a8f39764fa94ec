// Must be imported before dockerode (see there).
import './lean-dockerode.js';
import Docker from 'dockerode';

/**
 * Engine address from the config, else DOCKER_HOST, else the local socket. Accepts
 * unix:///path, tcp://host:port and a bare socket path.
 */
export function connectDocker(host?: string): Docker {
  const address = host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (address.startsWith('unix://')) return new Docker({ socketPath: address.slice('unix://'.length) });
  if (address.startsWith('/')) return new Docker({ socketPath: address });
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}
