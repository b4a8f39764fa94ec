import type http from 'node:http';

/** A route handler's answer: status, body (JSON unless `raw`), extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` as is (a string) instead of JSON. */
  raw?: boolean;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});
export const errorReply = (status: number, error: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { error },
  headers,
});

export function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...reply.headers };
  if (reply.raw) {
    res.writeHead(reply.status, headers);
    res.end(String(reply.body));
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(reply.body));
}

/** Reads a request body up to `limit` bytes; undefined when it is larger (answer 413). */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}
