import { describe, expect, it } from 'vitest';
import { judgeRollout } from '../../../src/drivers/swarm/apply-step.js';
import type { SwarmServiceState } from '../../../src/drivers/swarm/live.js';
import { swarmTask } from '../../helpers/swarm-task.js';
import type { Step } from '../../../src/drivers/resources.js';

/**
 * The verdict on a rollout Swarm runs. A `watch` blames only a failure it can tie to the spec it
 * desires (swarm-rolled-back.test.ts ties one by the failed tasks' config hash); here no task of
 * the desired spec is left, so the rollback is not its.
 */
const action = { service: 'web', name: 'p_web' };
const step = { desired: { hash: 'NEW' } } as unknown as Step;

/** Rolled back: the service runs the old spec again and names no previous one. */
const rolledBack: SwarmServiceState = {
  id: 's',
  name: 'p_web',
  version: 3,
  spec: {
    Labels: { 'spin.swarm-spec-hash': 'OLD', 'spin.config-hash': 'old' },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' },
  },
  updateStatus: { state: 'rollback_completed', message: 'rollback completed' },
  updatedAt: 0,
  tasks: [swarmTask({ configHash: 'old' })],
};

describe('Swarm rollout verdict', () => {
  it('does not blame a later watch for a rollback it cannot tie to its spec', () => {
    expect(judgeRollout(rolledBack, action, step, 1000)).toMatchObject({ progressing: true });
  });

  it('is done once the sent spec runs every replica', () => {
    const converged: SwarmServiceState = {
      ...rolledBack,
      spec: { ...rolledBack.spec, Labels: { 'spin.swarm-spec-hash': 'NEW', 'spin.config-hash': 'new' } },
      updateStatus: { state: 'completed', message: 'update completed' },
      tasks: rolledBack.tasks.map((t) => ({ ...t, configHash: 'new' })),
    };
    expect(judgeRollout(converged, action, step, 1000)).toEqual({ done: true });
  });
});
