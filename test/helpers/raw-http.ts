import http from 'node:http';

/**
 * HTTP as a hostile or unusual client sends it, with Node's http module: any Host header, a body
 * that arrives slowly or never ends. fetch cannot do either (it sets Host itself and sends a body
 * at once).
 */
export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawReply> {
  const url = new URL(path, baseUrl);
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent: false,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface EndlessRequest {
  /** The answer's status line and headers, as soon as they arrive (the body may still be going). */
  response: Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Promise<string> }>;
  destroy(): void;
}

/**
 * POSTs headers, then a body that never ends: a chunk every `everyMs` until destroyed. Chunked
 * transfer encoding, so the server cannot know the length in advance either.
 */
export function endlessPost(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  options: { chunk?: Buffer; everyMs?: number } = {},
): EndlessRequest {
  const url = new URL(path, baseUrl);
  const chunk = options.chunk ?? Buffer.from(`{"padding":"${'x'.repeat(1000)}`);
  let timer: NodeJS.Timeout | undefined;
  const req = http.request(url, {
    method: 'POST',
    agent: false,
    headers: { 'transfer-encoding': 'chunked', ...headers },
  });
  const write = () => {
    if (req.destroyed || req.writableEnded) return;
    req.write(chunk, () => undefined);
    timer = setTimeout(write, options.everyMs ?? 50);
  };
  const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Promise<string> }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        const body = new Promise<string>((done) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(Buffer.concat(chunks).toString()));
          res.on('error', () => done(Buffer.concat(chunks).toString()));
          res.on('close', () => done(Buffer.concat(chunks).toString()));
        });
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      // The server closing the connection while the body still goes out is expected after an
      // answer; before one, it is the test's failure to see.
      req.on('error', reject);
    },
  );
  response.catch(() => undefined);
  req.flushHeaders();
  write();
  return {
    response,
    destroy: () => {
      clearTimeout(timer);
      req.destroy();
    },
  };
}
