import { describe, expect, it } from 'vitest';
import { judgeRollout } from '../../../src/drivers/swarm/apply-step.js';
import type { SwarmServiceState } from '../../../src/drivers/swarm/live.js';
import { swarmTask } from '../../helpers/swarm-task.js';
import type { Step } from '../../../src/drivers/resources.js';

/**
 * The verdict on a rollout Swarm runs. A `watch` in a later pass blames only a failure of the
 * spec it desires; the step that sent an image update itself (`ours`) owns any failure seen
 * since, because the engine resets UpdateStatus on each update and, after its rollback, the
 * failed spec is no longer the service's PreviousSpec.
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

  it('fails the step that sent the update when Swarm rolled it back', () => {
    const result = judgeRollout(rolledBack, action, step, 1000, true);
    expect(result).toMatchObject({
      failed: true,
      retryable: false,
      rollout: { unit: 'web', failureAction: 'rollback' },
    });
    if ('failed' in result) expect(result.reason).toMatch(/rollback completed/);
  });

  it('is done once the sent spec runs every replica', () => {
    const converged: SwarmServiceState = {
      ...rolledBack,
      spec: { ...rolledBack.spec, Labels: { 'spin.swarm-spec-hash': 'NEW', 'spin.config-hash': 'new' } },
      updateStatus: { state: 'completed', message: 'update completed' },
      tasks: rolledBack.tasks.map((t) => ({ ...t, configHash: 'new' })),
    };
    expect(judgeRollout(converged, action, step, 1000, true)).toEqual({ done: true });
  });
});
