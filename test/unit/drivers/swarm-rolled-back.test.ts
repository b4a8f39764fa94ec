import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { judgeRollout } from '../../../src/drivers/swarm/apply-step.js';
import { rolledBackFrom, serviceCondition } from '../../../src/drivers/swarm/health.js';
import type { SwarmServiceState, SwarmTask } from '../../../src/drivers/swarm/live.js';
import { swarmTask } from '../../helpers/swarm-task.js';
import {
  swarmActionsOf,
  swarmDrift,
  type DesiredSwarmService,
} from '../../../src/drivers/swarm/resources.js';
import type { DesiredResource, LiveResource, Step } from '../../../src/drivers/resources.js';

/**
 * After Swarm rolls a failed update back, the engine runs the old spec again and forgets the
 * failed one (PreviousSpec is empty: seen on engine 20.10). A pass must still tie the failure to
 * the commit that caused it, by the config hash its tasks carry, and must not send the same spec
 * again (it did: every pass re-sent it, Swarm rolled it back again, and the commit never failed).
 */
const UPDATE_START = 10_000;

const spec = (hash: string, config: string): Docker.ServiceSpec => ({
  Name: 'p_web',
  Labels: { 'spin.swarm-spec-hash': hash, 'spin.config-hash': config },
  TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { 'spin.config-hash': config } } },
  Mode: { Replicated: { Replicas: 1 } },
  UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' },
});

const task = (configHash: string, createdAt: number, over: Partial<SwarmTask> = {}): SwarmTask =>
  swarmTask({
    id: `t-${configHash}-${createdAt}`,
    configHash,
    commit: '',
    createdAt,
    updatedAt: createdAt,
    ...over,
  });

/** H1/c1 runs again; H2/c2 was tried from UPDATE_START and rolled back. */
const rolledBack = (over: Partial<SwarmServiceState> = {}): SwarmServiceState => ({
  id: 's1',
  name: 'p_web',
  version: 9,
  spec: spec('H1', 'c1'),
  updateStatus: { state: 'rollback_completed', message: 'rollback completed', startedAt: UPDATE_START },
  updatedAt: UPDATE_START,
  tasks: [
    task('c1', UPDATE_START - 5_000, { state: 'shutdown', desiredState: 'shutdown' }),
    task('c2', UPDATE_START + 1, { state: 'failed', desiredState: 'shutdown', err: 'unhealthy container' }),
    task('c1', UPDATE_START + 20_000),
  ],
  ...over,
});

const liveOf = (state: SwarmServiceState): LiveResource => ({
  kind: 'service',
  key: 'service/web',
  hash: state.spec.Labels?.['spin.swarm-spec-hash'] ?? '',
  wave: 1,
  prune: 'always',
  body: state,
});
const desiredOf = (hash: string, config: string): DesiredResource => {
  const body: DesiredSwarmService = { project: 'p', service: 'web', spec: spec(hash, config) };
  return { kind: 'service', key: 'service/web', hash, dependsOn: [], wave: 1, prune: 'always', body };
};
const updateStep = (want: DesiredResource, have: LiveResource): Step => ({
  op: 'update',
  key: 'service/web',
  kind: 'service',
  desired: want,
  live: have,
  why: 'spec hash differs',
  wave: 1,
  dependsOn: [],
});

describe('a Swarm update rolled back by the engine', () => {
  it('names the config hash of the spec it rolled back from, from the tasks since the update began', () => {
    expect(rolledBackFrom(rolledBack())).toBe('c2');
    const c = serviceCondition(rolledBack(), 60_000);
    expect(c).toMatchObject({ kind: 'failed', failedHash: '', failedConfigHash: 'c2' });
  });

  it('does not take a task older than the update for the failed spec', () => {
    const s = rolledBack({
      tasks: [
        task('c0', UPDATE_START - 1, { state: 'shutdown', desiredState: 'shutdown' }),
        task('c1', UPDATE_START + 5),
      ],
    });
    expect(rolledBackFrom(s)).toBeUndefined();
  });

  it('judges the rolled-back spec failed instead of sending it again', () => {
    const want = desiredOf('H2', 'c2');
    const have = liveOf(rolledBack());
    const step = updateStep(want, have);
    const actions = swarmActionsOf(step, [have]);
    expect(actions).toEqual([{ kind: 'watch', service: 'web', name: 'p_web', reason: 'spec hash differs' }]);
    const verdict = judgeRollout(rolledBack(), { service: 'web', name: 'p_web' }, step, 60_000);
    expect(verdict).toMatchObject({
      failed: true,
      retryable: false,
      rollout: { unit: 'web', failureAction: 'rollback' },
    });
    if ('failed' in verdict) expect(verdict.reason).toMatch(/rollback completed.*unhealthy container/);
  });

  it('sends a spec that differs from the failed one (a new commit)', () => {
    const have = liveOf(rolledBack());
    const actions = swarmActionsOf(updateStep(desiredOf('H3', 'c3'), have), [have]);
    expect(actions).toEqual([
      { kind: 'recreate', service: 'web', replica: 0, name: 'p_web', containerId: 's1' },
    ]);
  });

  it('finds nothing to repair once the last healthy spec, which runs, is desired again', () => {
    const have = liveOf(rolledBack());
    expect(swarmDrift(desiredOf('H1', 'c1'), have, [have], 60_000)).toEqual([]);
  });
});
