/**
 * A counting pass-through proxy in front of the engine's unix socket, so calls made by a daemon
 * in another process can be counted by kind (`GET /containers/json`, `POST /containers/{id}/start`).
 * Only the client-to-engine direction is parsed (request line, Content-Length); bytes are forwarded
 * untouched.
 */
import net from 'node:net';
import { rm } from 'node:fs/promises';

export interface DockerProxy {
  /** `unix://...`, for the daemon config's docker.host. */
  host: string;
  counts(): Record<string, number>;
  reset(): void;
  stop(): Promise<void>;
}

/** `GET /v1.41/containers/abc/json?x` -> `GET /containers/{id}/json`. */
export function callKind(method: string, rawPath: string): string {
  const pathOnly = (rawPath.split('?')[0] ?? '').replace(/^\/v[\d.]+/, '');
  const segs = pathOnly.split('/').filter(Boolean);
  const resource = segs[0] ?? '';
  if (segs.length <= 1) return `${method} /${resource}`;
  if (resource === 'images') return `${method} /images/{name}${segs.at(-1) === 'json' ? '/json' : ''}`;
  if (segs.length === 2 && ['json', 'create', 'prune'].includes(segs[1] as string))
    return `${method} /${resource}/${segs[1]}`;
  return `${method} /${resource}/{id}${segs.length > 2 ? `/${segs.slice(2).join('/')}` : ''}`;
}

/** Write calls change the engine (anything but GET/HEAD). */
export function isWrite(kind: string): boolean {
  return !kind.startsWith('GET ') && !kind.startsWith('HEAD ');
}

export async function startDockerProxy(
  socketPath: string,
  target = '/var/run/docker.sock',
): Promise<DockerProxy> {
  let counts: Record<string, number> = {};
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let skip = 0;
    let parsing = true;
    const feed = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (parsing) {
        if (skip > 0) {
          const n = Math.min(skip, buffer.length);
          buffer = buffer.subarray(n);
          skip -= n;
          if (skip > 0) return;
        }
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 4);
        const [requestLine = '', ...headers] = head.split('\r\n');
        const [method = '?', target = '/'] = requestLine.split(' ');
        const kind = callKind(method, target);
        counts[kind] = (counts[kind] ?? 0) + 1;
        for (const h of headers) {
          const [name = '', value = ''] = h.split(/:\s*/, 2);
          if (name.toLowerCase() === 'content-length') skip = Number(value) || 0;
          if (name.toLowerCase() === 'transfer-encoding') parsing = false; // chunked body: stop parsing
          if (name.toLowerCase() === 'upgrade') parsing = false; // hijacked stream
        }
      }
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (parsing) feed(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    host: `unix://${socketPath}`,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
