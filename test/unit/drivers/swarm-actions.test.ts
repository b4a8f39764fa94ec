import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { SwarmServiceState } from '../../../src/drivers/swarm/live.js';
import {
  swarmActionsOf,
  swarmDrift,
  type DesiredSwarmService,
} from '../../../src/drivers/swarm/resources.js';
import type { DesiredResource, LiveResource, Step } from '../../../src/drivers/resources.js';

/**
 * What a Swarm step does with a service whose spec hash matches: it watches Swarm's own rollout
 * and writes nothing, whatever commit last changed the service (seen on the two-node lab: a node
 * going away made every such service be rewritten, and all its tasks restarted).
 */
const spec = (commit: string): Docker.ServiceSpec => ({
  Name: 'p_web',
  Labels: { 'spin.commit': commit, 'spin.swarm-spec-hash': 'H' },
  TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { 'spin.commit': commit } } },
  Mode: { Replicated: { Replicas: 2 } },
});
const live = (commit: string, runningTasks: number): LiveResource => {
  const state: SwarmServiceState = {
    id: 's1',
    name: 'p_web',
    version: 7,
    spec: spec(commit),
    updatedAt: 0,
    tasks: Array.from({ length: runningTasks }, (_, i) => ({
      id: `t${i}`,
      slot: i + 1,
      nodeId: 'manager',
      state: 'running',
      desiredState: 'running',
      err: '',
      message: '',
      containerId: `c${i}`,
      configHash: '',
      commit,
      createdAt: 0,
      updatedAt: 0,
    })),
  };
  return { kind: 'service', key: 'service/web', hash: 'H', wave: 1, prune: 'always', body: state };
};
const desired = (commit: string): DesiredResource => {
  const body: DesiredSwarmService = { project: 'p', service: 'web', spec: spec(commit) };
  return { kind: 'service', key: 'service/web', hash: 'H', dependsOn: [], wave: 1, prune: 'always', body };
};

describe('Swarm steps for a service whose hash matches', () => {
  it('watches, never rewrites, a service an older commit last changed while a node is away', () => {
    const want = desired('c2');
    const have = live('c1', 1);
    const why = swarmDrift(want, have, [have]);
    expect(why).toEqual(['1/2 tasks running']);
    const step: Step = {
      op: 'update',
      key: 'service/web',
      kind: 'service',
      wave: 1,
      dependsOn: [],
      desired: want,
      live: have,
      why: why.join('; '),
    };
    expect(swarmActionsOf(step).map((a) => a.kind)).toEqual(['watch']);
  });

  it('rewrites a service whose spec was changed by hand', () => {
    const want = desired('c2');
    const have = live('c1', 2);
    (have.body as SwarmServiceState).spec = { ...spec('c1'), Mode: { Replicated: { Replicas: 4 } } };
    const why = swarmDrift(want, have, [have]);
    expect(why).toEqual(['service spec changed outside Spin']);
    const step: Step = {
      op: 'update',
      key: 'service/web',
      kind: 'service',
      wave: 1,
      dependsOn: [],
      desired: want,
      live: have,
      why: why.join('; '),
    };
    expect(swarmActionsOf(step).map((a) => a.kind)).toEqual(['recreate']);
  });
});
