// Must be imported before dockerode (see there).
import './lean-dockerode.js';
import Docker from 'dockerode';
import type { EngineTls } from '../../config/types.js';

/**
 * Engine address from the config, else DOCKER_HOST, else the local socket. Accepts
 * unix:///path, tcp://host:port and a bare socket path. With `tls` (its files already read),
 * the engine is reached over HTTPS with a client certificate: the engine's certificate must be
 * signed by `ca`, and it checks ours (dockerd --tlsverify).
 */
export function connectDocker(host?: string, tls?: EngineTls): Docker {
  const address = host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (address.startsWith('unix://')) return new Docker({ socketPath: address.slice('unix://'.length) });
  if (address.startsWith('/')) return new Docker({ socketPath: address });
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  if (tls) {
    return new Docker({
      host: url.hostname,
      port: Number(url.port || 2376),
      protocol: 'https',
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key?.reveal(),
    });
  }
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}
