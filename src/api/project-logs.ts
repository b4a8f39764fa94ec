import type { Driver } from '../drivers/driver.js';
import type { ActualContainer } from '../model/actual-state.js';
import { labelWidth, LineSplitter, prefixLine, replicaLabel } from '../model/log-lines.js';
import { errorMessage } from '../util/errors.js';
import type { LogQuery } from './log-query.js';

export interface LogSources {
  project: string;
  driver: Pick<Driver, 'logs'>;
  /**
   * The project's containers as the daemon's last pass listed them: no engine call per request,
   * and a pass runs after every change of a managed container (its engine event wakes one).
   */
  containers(): ActualContainer[];
  /** How often a follow looks for containers that replaced the ones it reads. */
  pollMs?: number;
  /** Told when an engine stream opens (+1) and closes (-1), for spin_log_streams. */
  onStream?(delta: 1 | -1): void;
}

const DEFAULT_POLL_MS = 1_000;

/** The containers a query selects, by service then replica: what `docker compose logs` reads. */
export function selectContainers(containers: ActualContainer[], query: LogQuery): ActualContainer[] {
  return containers
    .filter((c) => c.replica > 0)
    .filter((c) => query.service === undefined || c.service === query.service)
    .filter((c) => query.replica === undefined || c.replica === query.replica)
    .sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica || a.createdAt - b.createdAt);
}

/**
 * Streams the selected containers' output as prefixed lines to `write` (which resolves when
 * the client can take more). Without `follow` it ends when every container's kept output is
 * read. With it, it reads on until `signal` aborts (the client went away) and, like `docker
 * compose logs -f`, picks up containers that appear for the selection meanwhile: a replica Spin
 * recreated for a new commit or after drift goes on in the same stream, read from its start.
 * Every engine stream is closed when this returns.
 */
export async function streamProjectLogs(
  sources: LogSources,
  query: LogQuery,
  write: (text: string) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const reading = new Map<string, Promise<void>>();
  let width = 0;
  const open = (container: ActualContainer, first: boolean) => {
    const label = replicaLabel(container.service, container.replica);
    width = Math.max(width, labelWidth([label]));
    reading.set(
      container.id,
      readContainer(sources, container, {
        ...query,
        // A replacement is read from its start: its first lines are why it came.
        tail: first ? query.tail : undefined,
        emit: (line) => write(`${prefixLine(label, width, line)}\n`),
        signal,
      }),
    );
  };
  const initial = selectContainers(sources.containers(), query);
  width = labelWidth(initial.map((c) => replicaLabel(c.service, c.replica)));
  for (const container of initial) open(container, true);
  if (!query.follow) {
    await Promise.all(reading.values());
    return;
  }
  const pollMs = sources.pollMs ?? DEFAULT_POLL_MS;
  while (!signal.aborted) {
    await sleep(pollMs, signal);
    for (const container of selectContainers(sources.containers(), query)) {
      if (!reading.has(container.id) && !signal.aborted) open(container, false);
    }
  }
  await Promise.all(reading.values());
}

async function readContainer(
  sources: LogSources,
  container: ActualContainer,
  options: LogQuery & { emit(line: string): Promise<void>; signal: AbortSignal },
): Promise<void> {
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  sources.onStream?.(1);
  try {
    const chunks = sources.driver.logs({
      project: sources.project,
      containerId: container.id,
      follow: options.follow,
      sinceMs: options.sinceMs,
      tail: options.tail,
      timestamps: options.timestamps,
      signal: options.signal,
    });
    for await (const chunk of chunks) {
      for (const line of splitters[chunk.stream].push(chunk.data)) await options.emit(line);
      if (options.signal.aborted) break;
    }
    for (const line of [...splitters.stdout.flush(), ...splitters.stderr.flush()]) await options.emit(line);
  } catch (err) {
    // Removed between the list and the read, or the engine went away: said in the stream, in
    // Spin's words (an engine error names no secret), and the other replicas go on.
    if (!options.signal.aborted)
      await options.emit(`spin: cannot read ${container.name}: ${errorMessage(err)}`);
  } finally {
    sources.onStream?.(-1);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The last `tail` lines of each service as text (for the dashboard page), read within
 * `timeoutMs`: a slow engine leaves a block short instead of holding the page.
 */
export async function lastLinesByService(
  sources: LogSources,
  tail: number,
  timeoutMs: number,
): Promise<Record<string, string>> {
  const services = [
    ...new Set(
      selectContainers(sources.containers(), { follow: false, timestamps: false }).map((c) => c.service),
    ),
  ];
  const out: Record<string, string> = {};
  const timeout = AbortSignal.timeout(timeoutMs);
  await Promise.all(
    services.map(async (service) => {
      let text = '';
      const query: LogQuery = { service, tail, follow: false, timestamps: false };
      await streamProjectLogs(sources, query, async (line) => void (text += line), timeout).catch(() => {});
      out[service] = text;
    }),
  );
  return out;
}
