import type http from 'node:http';

/** A route handler's answer: status, body (JSON unless `raw`), extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` as is (a string) instead of JSON. */
  raw?: boolean;
  /**
   * A streamed answer (chunked): after the head, `stream` writes through `write`, which resolves
   * when the client can take more; `signal` aborts when the client goes away. `body` is unused.
   */
  stream?(write: (text: string) => Promise<void>, signal: AbortSignal): Promise<void>;
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

export function send(res: http.ServerResponse, reply: Reply): void | Promise<void> {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...reply.headers };
  if (reply.stream) return sendStream(res, reply.status, headers, reply.stream);
  if (reply.raw) {
    res.writeHead(reply.status, headers);
    res.end(String(reply.body));
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(reply.body));
}

/**
 * Runs a streamed answer to its end or until the client goes away, whichever is first; the
 * response always ends. An error after the head cannot change the status: the stream just ends
 * (the caller logs it).
 */
async function sendStream(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  stream: NonNullable<Reply['stream']>,
): Promise<void> {
  const gone = new AbortController();
  const abort = () => gone.abort();
  res.once('close', abort);
  res.writeHead(status, { 'x-content-type-options': 'nosniff', ...headers });
  // Sent at once, so a client sees the answer start even when nothing is printed for a while.
  res.flushHeaders();
  const write = (text: string): Promise<void> => {
    if (gone.signal.aborted || res.destroyed) return Promise.resolve();
    if (res.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
  };
  try {
    await stream(write, gone.signal);
  } finally {
    res.off('close', abort);
    if (!res.destroyed) res.end();
    gone.abort();
  }
}

/**
 * Reads a request body up to `limit` bytes within `timeoutMs`; undefined when it is larger (answer
 * 413) or slower. Stops reading instead of destroying the request, so the answer still gets out.
 */
export async function readBody(
  req: http.IncomingMessage,
  limit: number,
  timeoutMs = 30_000,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  const { outcome } = await streamBody(req, {
    maxBytes: limit,
    timeoutMs,
    onChunk: (chunk) => chunks.push(chunk),
  });
  return outcome === 'complete' ? Buffer.concat(chunks) : undefined;
}

export type StreamOutcome = 'complete' | 'too-large' | 'timeout' | 'aborted';

export interface StreamBodyOptions {
  /** More bytes than this stop the reading: 'too-large'. */
  maxBytes: number;
  /** The whole body must arrive within this: a sender trickling bytes holds a slot no longer. */
  timeoutMs: number;
  /** Each chunk as it arrives (hash it, keep it or drop it). */
  onChunk(chunk: Buffer): void;
}

/**
 * Reads a request body chunk by chunk without keeping it: the caller decides what to keep. On
 * anything but 'complete' the request is paused; the server's dropUnreadBody deals with the rest
 * once the answer is out.
 */
export function streamBody(
  req: http.IncomingMessage,
  options: StreamBodyOptions,
): Promise<{ outcome: StreamOutcome; bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let done = false;
    const finish = (outcome: StreamOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      if (outcome !== 'complete') req.pause();
      resolve({ outcome, bytes });
    };
    const onData = (chunk: Buffer) => {
      if (done) return;
      bytes += chunk.length;
      if (bytes > options.maxBytes) finish('too-large');
      else options.onChunk(chunk);
    };
    const onEnd = () => finish('complete');
    const onAbort = () => finish('aborted');
    const onClose = () => finish(req.complete ? 'complete' : 'aborted');
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

/**
 * After an answer sent before the request's body was all read (an early refusal): read and
 * discard what still comes for up to `lingerMs`, then drop the connection. Closing at once would
 * make the kernel reset a connection the sender is still writing to, and a reset can destroy
 * the answer before the sender reads it; reading on forever would let a body that never ends
 * keep the connection.
 */
export function dropUnreadBody(req: http.IncomingMessage, lingerMs: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), lingerMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}
