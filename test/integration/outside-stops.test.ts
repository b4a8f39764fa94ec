import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerDriver } from '../../src/drivers/docker/docker-driver.js';
import type { DriftEvent, EngineEvent } from '../../src/drivers/driver.js';
import { LABEL } from '../../src/stack/names.js';
import { docker, removeProject, requireDocker, uniqueProject, waitFor } from '../helpers/docker.js';

/**
 * The Docker driver tells a container stopped or removed through the engine's API from one whose
 * process ended by itself, from the real engine's event stream (src/drivers/docker/engine-events.ts):
 * the repair lane caps repairs of crashes, not of outside stops. Containers are made here with
 * Spin's labels, not by a daemon: what is judged is the stream the engine sends.
 */
const project = uniqueProject('outside');
const seen: DriftEvent[] = [];
let stopWatching: (() => void) | undefined;

async function managedContainer(service: string, script: string): Promise<string> {
  const container = await docker().createContainer({
    Image: 'spin-test/busybox:1',
    name: `${project}_${service}_1`,
    Cmd: ['sh', '-c', script],
    Labels: { [LABEL.managed]: 'true', [LABEL.project]: project, [LABEL.service]: service },
  });
  await container.start();
  return container.id;
}

/** The drift events that end one container ("action" or "action (outside)"), once `last` came. */
async function endingEvents(id: string, last: string): Promise<string[]> {
  await waitFor(() => seen.some((e) => e.id === id && e.action === last), {
    timeoutMs: 60_000,
    intervalMs: 50,
    description: `the ${last} of ${id.slice(0, 12)}`,
  });
  return seen
    .filter((e) => e.id === id && e.action !== 'create')
    .map((e) => `${e.action}${e.outside ? ' (outside)' : ''}`);
}

beforeAll(async () => {
  await requireDocker();
  const driver = new DockerDriver(docker());
  let connected = false;
  stopWatching = driver.watchEvents((event: EngineEvent) => {
    if (event.kind === 'reconnected') connected = true;
    else if (event.project === project) seen.push(event);
  });
  await waitFor(() => connected, { timeoutMs: 30_000, description: 'the event stream is open' });
});

afterAll(async () => {
  stopWatching?.();
  await removeProject(project);
});

describe('stops from outside, told from crashes on the real event stream', () => {
  it('docker stop: the die and the stop are from outside', async () => {
    const id = await managedContainer('stopped', "trap 'exit 0' TERM; sleep 3600 & wait");
    await docker().getContainer(id).stop({ t: 1 });
    expect(await endingEvents(id, 'stop')).toEqual(['die (outside)', 'stop (outside)']);
  });

  it('docker stop of a container that ignores SIGTERM (killed after the grace period): from outside', async () => {
    const id = await managedContainer('stubborn', "trap '' TERM; sleep 3600 & wait");
    await docker().getContainer(id).stop({ t: 1 });
    expect(await endingEvents(id, 'stop')).toEqual(['die (outside)', 'stop (outside)']);
  });

  it('docker rm -f: the die and the destroy are from outside', async () => {
    const id = await managedContainer('removed', 'sleep 3600');
    await docker().getContainer(id).remove({ force: true });
    expect(await endingEvents(id, 'destroy')).toEqual(['die (outside)', 'destroy (outside)']);
  });

  it('a process that fails or exits by itself is a crash: a bare die', async () => {
    const exits = await managedContainer('exits', 'sleep 1; exit 3');
    expect(await endingEvents(exits, 'die')).toEqual(['die']);
    const done = await managedContainer('done', 'sleep 1; exit 0');
    expect(await endingEvents(done, 'die')).toEqual(['die']);
    // Removing the crashed container afterwards is an API call.
    await docker().getContainer(exits).remove({ force: true });
    expect(await endingEvents(exits, 'destroy')).toEqual(['die', 'destroy (outside)']);
  });
});
