import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { listSwarm } from '../../../src/drivers/swarm/list-actual.js';
import { NetworkNames } from '../../../src/drivers/swarm/network-names.js';
import type { SwarmServiceState } from '../../../src/drivers/swarm/live.js';

/**
 * A steady round on a Swarm lists services and tasks only (issue 15: one service list and one
 * task list per engine and pass; the swarm-steady benchmark counted a network list in every
 * round): live specs name networks by id, and the names the driver learnt stay right, since a
 * network's id never names another network.
 */
const MANAGED = { 'spin.managed': 'true', 'spin.project': 'p' };
const network = (id: string, key: string) => ({
  Id: id,
  Name: `p_${key}`,
  Labels: { ...MANAGED, 'spin.network': key },
});
const service = (id: string, networks: string[], previous: string[] = []): Docker.Service =>
  ({
    ID: id,
    Version: { Index: 1 },
    Spec: {
      Name: `p_${id}`,
      Labels: { ...MANAGED, 'spin.service': id },
      TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: networks.map((Target) => ({ Target })) },
    },
    ...(previous.length > 0
      ? { PreviousSpec: { TaskTemplate: { Networks: previous.map((Target) => ({ Target })) } } }
      : {}),
  }) as unknown as Docker.Service;

/** A manager answering from plain lists, counting each kind of call. */
function fakeManager(state: { services: Docker.Service[]; networks: ReturnType<typeof network>[] }) {
  const calls: Record<string, number> = {};
  const count = <T>(kind: string, value: T) => {
    calls[kind] = (calls[kind] ?? 0) + 1;
    return Promise.resolve(value);
  };
  const docker = {
    listServices: () => count('services', state.services),
    listTasks: () => count('tasks', []),
    listNetworks: () => count('networks', state.networks),
    listSecrets: () => count('secrets', []),
    listConfigs: () => count('configs', []),
  } as unknown as Docker;
  return { docker, calls };
}

const networkOf = (actual: Awaited<ReturnType<typeof listSwarm>>, unit: number) =>
  (actual.units?.[unit]?.detail as SwarmServiceState).spec.TaskTemplate?.Networks?.map((n) => n.Target);

describe('a steady Swarm round', () => {
  it('lists services and tasks only once the network ids its services name are known', async () => {
    const state = { services: [service('web', ['n1'])], networks: [network('n1', 'default')] };
    const { docker, calls } = fakeManager(state);
    const known = new NetworkNames();
    const full = await listSwarm(docker, {}, known);
    expect(full.networks.map((n) => n.name)).toEqual(['p_default']);
    expect(calls).toEqual({ services: 1, tasks: 1, networks: 1, secrets: 1, configs: 1 });

    const steady = await listSwarm(docker, { containersOnly: true }, known);
    expect(calls).toEqual({ services: 2, tasks: 2, networks: 1, secrets: 1, configs: 1 });
    // Drift still compares names.
    expect(networkOf(steady, 0)).toEqual(['p_default']);
  });

  it('lists networks again when a service names an id it has not seen, and learns it', async () => {
    const state = { services: [service('web', ['n1'])], networks: [network('n1', 'default')] };
    const { docker, calls } = fakeManager(state);
    const known = new NetworkNames();
    await listSwarm(docker, {}, known);
    // A new project's network and service, created by a pass since.
    state.networks = [...state.networks, network('n2', 'back')];
    state.services = [...state.services, service('api', ['n2'])];
    const next = await listSwarm(docker, { containersOnly: true }, known);
    expect(calls.networks).toBe(2);
    expect(networkOf(next, 1)).toEqual(['p_back']);
    await listSwarm(docker, { containersOnly: true }, known);
    expect(calls.networks).toBe(2);
  });

  it('does not list every round for an id that is not one of Spin networks', async () => {
    // A rolled-back-to spec still naming a network since removed, and a hand-attached foreign one.
    const state = {
      services: [service('web', ['n1', 'foreign'], ['gone'])],
      networks: [network('n1', 'default')],
    };
    const { docker, calls } = fakeManager(state);
    const known = new NetworkNames();
    await listSwarm(docker, {}, known);
    // The full list ran beside the service list: it proves nothing about ids it lacks.
    await listSwarm(docker, { containersOnly: true }, known);
    expect(calls.networks).toBe(2);
    const third = await listSwarm(docker, { containersOnly: true }, known);
    expect(calls.networks).toBe(2);
    expect(networkOf(third, 0)).toEqual(['p_default', 'foreign']);
  });

  it('without names kept between calls, lists networks every time (as before)', async () => {
    const { docker, calls } = fakeManager({
      services: [service('web', ['n1'])],
      networks: [network('n1', 'default')],
    });
    await listSwarm(docker, { containersOnly: true });
    await listSwarm(docker, { containersOnly: true });
    expect(calls.networks).toBe(2);
  });
});
