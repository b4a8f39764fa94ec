import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import type { RunningDaemon } from '../helpers/spin-cli.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { swarmConfig, stopSwarmFixture } from '../helpers/swarm-fixture.js';

/**
 * Two-node behaviour on a real Swarm (scripts/swarm-lab.sh labels the manager
 * `spin-lab.tier=manager` and the worker `spin-lab.tier=worker`): placement by node label lands on
 * the right node; an unsatisfiable constraint fails with the scheduler's message instead of
 * pending for ever; the policy's node labels refuse any other; and the worker's dockerd going away
 * shows Degraded until Swarm has rescheduled its tasks on the manager, then Healthy. The node test
 * comes last: it stops the worker for good (the lab is torn down after).
 */
let lab: SwarmLab;
let f: ProjectFixture;

const service = (name: string, replicas: number, more = '') => `  ${name}:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; (sleep 15; touch /tmp/ready) & sleep 3600 & wait"]
    stop_grace_period: 1s
    deploy:
      replicas: ${replicas}
      ${LIMITS}
${more}    cap_drop: [ALL]
`;
/** A task runs only once its healthcheck passed (Swarm's executor waits), 15 s after its start. */
const ready = `    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 5s, retries: 30 }
`;
const placed = (constraint: string) => `      placement: { constraints: ["${constraint}"] }
`;
const stack = (pinned: string, extra = '') =>
  `services:\n${service('pinned', 2, placed(pinned))}${service('spread', 2, ready)}${extra}`;

const runningTasks = async (d: Docker, name: string) =>
  (await d.listTasks({ filters: { service: [name], 'desired-state': ['running'] } })).filter(
    (t) => (t as { Status?: { State?: string } }).Status?.State === 'running',
  );
const nodesOf = (tasks: { NodeID?: string }[]) => [...new Set(tasks.map((t) => t.NodeID))].sort();

beforeAll(async () => {
  lab = await startSwarmLab('swnode');
  f = await projectFixture('swnode', {
    project: { policy: 'swarm' },
    // The operator grants the lab's tier label, any value, and nothing else.
    config: swarmConfig(lab, { isolation: { placement: ['node.labels.spin-lab.tier'] } }),
  });
}, 360_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab);
}, 180_000);

describe('Spin on a two-node Swarm', () => {
  const pinned = () => `${f.project}_pinned`;
  const spread = () => `${f.project}_spread`;
  let healthy: string;

  it('a constraint on a node label lands the tasks on that node, and a change moves them', async () => {
    healthy = await f.push({ 'compose.yaml': stack('node.labels.spin-lab.tier == worker') }, 'on the worker');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.appliedCommit === healthy && s.health === 'Healthy',
      'pinned on the worker',
      300_000,
    );
    const onWorker = await waitFor(() => runningTasks(lab.managerDocker, pinned()), {
      until: (tasks) => tasks.length === 2,
      timeoutMs: 60_000,
      description: 'two pinned tasks',
    });
    expect(nodesOf(onWorker)).toEqual([lab.workerNodeId]);

    healthy = await f.push(
      { 'compose.yaml': stack('node.labels.spin-lab.tier == manager') },
      'on the manager',
    );
    await f.waitStatus(
      (s) => s.appliedCommit === healthy && s.health === 'Healthy',
      'pinned on the manager',
      300_000,
    );
    const onManager = await waitFor(() => runningTasks(lab.managerDocker, pinned()), {
      until: (tasks) => tasks.length === 2 && nodesOf(tasks).join() === lab.managerNodeId,
      timeoutMs: 120_000,
      description: 'both pinned tasks moved to the manager',
    });
    expect(nodesOf(onManager)).toEqual([lab.managerNodeId]);
  }, 600_000);

  it('a constraint no node satisfies fails with the scheduler’s message, not pending for ever', async () => {
    const nowhere = await f.push(
      {
        'compose.yaml': stack(
          'node.labels.spin-lab.tier == manager',
          service('lost', 1, placed('node.labels.spin-lab.tier == nowhere')),
        ),
      },
      'a service no node can take',
    );
    const status = await f.waitStatus(
      (s) => s.failedCommit?.commit === nowhere,
      'the unschedulable commit failed',
      240_000,
    );
    expect(status.appliedCommit).toBe(healthy);
    // Swarm's own words: "no suitable node (scheduling constraints not satisfied on 2 nodes)".
    expect(status.failedCommit?.reason).toMatch(/lost/);
    expect(status.failedCommit?.reason).toMatch(/no suitable node/);

    // Back to a stack the nodes can run.
    healthy = await f.push(
      { 'compose.yaml': stack('node.labels.spin-lab.tier == manager') },
      'without the lost service',
    );
    await f.waitStatus(
      (s) => s.appliedCommit === healthy && s.health === 'Healthy',
      'back to two services',
      240_000,
    );
    const names = (
      await lab.managerDocker.listServices({ filters: { label: [`spin.project=${f.project}`] } })
    )
      .map((s) => s.Spec?.Name)
      .sort();
    expect(names).toEqual([pinned(), spread()]);
  }, 600_000);

  it('the policy refuses a node label it does not grant, located, and nothing moves', async () => {
    const before = (
      await lab.managerDocker.listServices({ filters: { label: [`spin.project=${f.project}`] } })
    )
      .map((s) => [s.Spec?.Name, s.Version?.Index])
      .sort();
    const refused = await f.push({ 'compose.yaml': stack('node.labels.gpu == yes') }, 'an ungranted label');
    const status = await f.waitStatus((s) => s.refusedCommit === refused, 'refused by placement', 120_000);
    expect(status.appliedCommit).toBe(healthy);
    const found = (status.lastError?.diagnostics ?? []).map((d) => `${d.rule}@${d.line}`);
    // The constraint is line 9 of the stack (pinned's placement).
    expect(found).toContain('isolation.placement@9');
    expect(status.lastError?.message).toMatch(/node\.labels\.gpu/);
    const after = (
      await lab.managerDocker.listServices({ filters: { label: [`spin.project=${f.project}`] } })
    )
      .map((s) => [s.Spec?.Name, s.Version?.Index])
      .sort();
    expect(after).toEqual(before);

    healthy = await f.push(
      { 'compose.yaml': stack('node.labels.spin-lab.tier == manager') },
      'granted label again',
    );
    await f.waitStatus(
      (s) => s.appliedCommit === healthy && s.health === 'Healthy',
      'healthy again',
      120_000,
    );
  }, 300_000);

  it('the worker going away shows Degraded, then Healthy once Swarm rescheduled on the manager', async () => {
    // One spread task on each node (Swarm balances a service's tasks over the nodes).
    await waitFor(() => runningTasks(lab.managerDocker, spread()), {
      until: (tasks) => tasks.length === 2 && nodesOf(tasks).length === 2,
      timeoutMs: 120_000,
      description: 'a spread task on each node',
    });
    const daemon = f.daemon as RunningDaemon;
    const from = daemon.logs.length;
    const stopped = lab.stopWorker();
    // The manager notices the worker gone, then starts a replacement whose healthcheck takes 15 s:
    // the daemon's passes meanwhile say Degraded. Read from its pass log, not by polling
    // `spin status`, whose answer may come too late for that window on a loaded machine.
    const pass = (e: Record<string, unknown>) => e.msg === 'reconcile pass' && e.project === f.project;
    const degraded = await waitFor(
      async () => daemon.logs.slice(from).find((e) => pass(e) && e.health === 'Degraded'),
      {
        until: (e) => e !== undefined,
        timeoutMs: 180_000,
        description: 'a pass that says Degraded while the worker is away',
      },
    );
    await stopped;
    const reason = daemon.logs
      .slice(daemon.logs.indexOf(degraded as Record<string, unknown>))
      .find((e) => e.msg === 'pass ended progressing' && e.project === f.project)?.reason;
    expect(reason).toMatch(/_spread: 1\/2 tasks running/);
    await f.waitStatus((s) => s.health === 'Healthy', 'Healthy once rescheduled', 180_000);
    const tasks = await runningTasks(lab.managerDocker, spread());
    expect(tasks).toHaveLength(2);
    expect(nodesOf(tasks)).toEqual([lab.managerNodeId]);
  }, 480_000);
});
