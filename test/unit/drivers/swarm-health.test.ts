import { describe, expect, it } from 'vitest';
import { serviceCondition, serviceHealth } from '../../../src/drivers/swarm/health.js';
import type { SwarmServiceState } from '../../../src/drivers/swarm/live.js';
import { swarmTask } from '../../helpers/swarm-task.js';

/** Swarm's own verdicts, judged: a rolled-back or paused update is a failure, never "deployed". */
const task = swarmTask;
const service = (over: Partial<SwarmServiceState> = {}): SwarmServiceState => ({
  id: 's',
  name: 'p_web',
  version: 1,
  spec: {
    Labels: { 'spin.swarm-spec-hash': 'H2', 'spin.config-hash': 'new' },
    Mode: { Replicated: { Replicas: 1 } },
  },
  previousSpec: { Labels: { 'spin.swarm-spec-hash': 'H1', 'spin.config-hash': 'old' } },
  updatedAt: 0,
  tasks: [task()],
  ...over,
});

describe('Swarm service conditions', () => {
  it('is converged when the current spec runs every replica', () => {
    expect(serviceCondition(service(), 1000)).toEqual({ kind: 'converged' });
  });

  it('calls a rollback a failure of the spec Swarm rolled back from, with the task errors', () => {
    const s = service({
      spec: { Labels: { 'spin.swarm-spec-hash': 'H1', 'spin.config-hash': 'old' } },
      previousSpec: { Labels: { 'spin.swarm-spec-hash': 'H2', 'spin.config-hash': 'new' } },
      updateStatus: { state: 'rollback_completed', message: 'rollback completed' },
      tasks: [
        task({
          configHash: 'new',
          state: 'failed',
          desiredState: 'shutdown',
          err: 'dockerexec: unhealthy container',
        }),
      ],
    });
    const c = serviceCondition(s, 1000);
    expect(c).toMatchObject({ kind: 'failed', failedHash: 'H2' });
    if (c.kind === 'failed') expect(c.reason).toMatch(/rollback completed.*unhealthy container/);
  });

  it('calls a paused update a failure of the current spec', () => {
    const c = serviceCondition(
      service({ updateStatus: { state: 'paused', message: 'update paused due to failure' } }),
      0,
    );
    expect(c).toMatchObject({ kind: 'failed', failedHash: 'H2' });
  });

  it('fails tasks the scheduler cannot place only after the deadline, with its message', () => {
    const pending = task({
      state: 'pending',
      err: 'no suitable node (scheduling constraints not satisfied on 2 nodes)',
    });
    const s = service({ tasks: [pending] });
    expect(serviceCondition(s, 5_000).kind).toBe('progressing');
    const late = serviceCondition(s, 60_000);
    expect(late).toMatchObject({ kind: 'failed' });
    if (late.kind === 'failed') expect(late.reason).toMatch(/no suitable node/);
  });

  it('is progressing during an update, and Degraded when a node took tasks away outside one', () => {
    const updating = service({ updateStatus: { state: 'updating', message: '' }, tasks: [] });
    expect(serviceCondition(updating, 0).kind).toBe('progressing');
    const two = service({
      spec: {
        Labels: { 'spin.swarm-spec-hash': 'H2', 'spin.config-hash': 'new' },
        Mode: { Replicated: { Replicas: 2 } },
      },
    });
    expect(serviceHealth(two, 'web', 0).health).toBe('Degraded');
    expect(serviceHealth(undefined, 'web', 0).health).toBe('Missing');
  });
});
