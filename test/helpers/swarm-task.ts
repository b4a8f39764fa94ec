import type { SwarmTask } from '../../src/drivers/swarm/live.js';

/** A running task of replica 1 with config hash `new`, for the Swarm driver's pure tests. */
export const swarmTask = (over: Partial<SwarmTask> = {}): SwarmTask => ({
  id: 't',
  slot: 1,
  nodeId: 'n',
  state: 'running',
  desiredState: 'running',
  err: '',
  message: '',
  containerId: 'c',
  configHash: 'new',
  commit: 'c1',
  createdAt: 0,
  updatedAt: 0,
  ...over,
});
