/**
 * One task's output (`GET /tasks/{id}/logs`, which the manager fetches from whichever node runs
 * it), refused unless the task carries Spin's labels for the project asked about.
 */
import type Docker from 'dockerode';
import { LABEL } from '../../stack/names.js';
import { readEngineLogs } from '../docker/log-frames.js';
import type { LogChunk, LogRequest } from '../driver.js';

export async function* swarmTaskLogs(docker: Docker, request: LogRequest): AsyncIterable<LogChunk> {
  const task = (await docker.getTask(request.containerId).inspect()) as {
    ID: string;
    Spec?: { ContainerSpec?: { Labels?: Record<string, string>; TTY?: boolean } };
  };
  const labels = task.Spec?.ContainerSpec?.Labels ?? {};
  if (labels[LABEL.managed] !== 'true' || labels[LABEL.project] !== request.project)
    throw new Error(`task ${request.containerId.slice(0, 12)} is not one of ${request.project}'s`);
  yield* readEngineLogs(
    docker.modem,
    {
      path: `/tasks/${encodeURIComponent(task.ID)}/logs`,
      statusCodes: {
        200: true,
        404: 'no such task',
        500: 'server error',
        503: 'node is not part of a swarm',
      },
      tty: task.Spec?.ContainerSpec?.TTY === true,
    },
    request,
  );
}
