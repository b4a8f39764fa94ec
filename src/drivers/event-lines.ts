/**
 * An engine's event stream, line by line, that reconnects by itself: the stream ends when the
 * engine restarts, and whatever happened meanwhile was missed, so each (re)connection is told
 * (`onConnected`) and the caller resyncs. Shared by the Docker and Swarm drivers' `watchEvents`.
 */
export function watchEventLines(options: {
  /** Opens the stream (e.g. dockerode's `getEvents` with the driver's filters). */
  open: () => Promise<NodeJS.ReadableStream>;
  onLine: (line: string) => void;
  onConnected: () => void;
  reconnectMs: number;
}): () => void {
  const { open, onLine, onConnected, reconnectMs } = options;
  let closed = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  const connect = () => {
    if (closed) return;
    open()
      .then((s) => {
        stream = s;
        let buffer = '';
        s.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            onLine(line);
          }
        });
        s.on('end', retry);
        s.on('error', retry);
        onConnected();
      })
      .catch(retry);
  };
  const retry = () => {
    stream = undefined;
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(connect, reconnectMs);
    timer.unref();
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    (stream as { destroy?: () => void } | undefined)?.destroy?.();
  };
}
