/**
 * One task's output (`GET /tasks/{id}/logs`, which the manager fetches from whichever node runs
 * it), refused unless the task carries Spin's labels for the project asked about.
 */
import type Docker from 'dockerode';
import { LABEL } from '../../stack/names.js';
import { LogFrameDemuxer } from '../docker/log-frames.js';
import type { LogChunk, LogRequest } from '../driver.js';

export async function* swarmTaskLogs(docker: Docker, request: LogRequest): AsyncIterable<LogChunk> {
  const task = (await docker.getTask(request.containerId).inspect()) as {
    ID: string;
    Spec?: { ContainerSpec?: { Labels?: Record<string, string>; TTY?: boolean } };
  };
  const labels = task.Spec?.ContainerSpec?.Labels ?? {};
  if (labels[LABEL.managed] !== 'true' || labels[LABEL.project] !== request.project)
    throw new Error(`task ${request.containerId.slice(0, 12)} is not one of ${request.project}'s`);
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/tasks/${encodeURIComponent(task.ID)}/logs?`,
        method: 'GET',
        isStream: true,
        abortSignal: request.signal,
        statusCodes: {
          200: true,
          404: 'no such task',
          500: 'server error',
          503: 'node is not part of a swarm',
        },
        options: {
          stdout: true,
          stderr: true,
          follow: request.follow,
          timestamps: request.timestamps,
          tail: request.tail === undefined ? 'all' : String(request.tail),
          ...(request.sinceMs === undefined ? {} : { since: (request.sinceMs / 1000).toFixed(3) }),
        },
      },
      (err: unknown, data: unknown) => (err ? reject(err as Error) : resolve(data as NodeJS.ReadableStream)),
    );
  });
  const demux = task.Spec?.ContainerSpec?.TTY ? undefined : new LogFrameDemuxer();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!demux) yield { stream: 'stdout', data: chunk };
      else yield* demux.push(chunk);
    }
  } catch (err) {
    if (!request.signal.aborted) throw err;
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
}
