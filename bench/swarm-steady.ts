/**
 * 9. Swarm steady state (issue 15): 100 projects x 1 service (a busybox sleeper, one replica, on
 * the project's overlay network) on a real two-node Swarm (scripts/swarm-lab.sh, started for this
 * benchmark and torn down after it), 100 bare repositories on the git smart-HTTP server (its own
 * process), the real `spin daemon` polling each every 5 s with the manager behind the counting
 * socket proxy. After all converged, the daemon is restarted (log level debug, for its round
 * trace): its first round takes all 100 projects at once, and from then on every poll of all 100
 * falls due on the same tick. Measured: the restart's engine calls, then for WINDOW_S seconds the
 * engine calls per round by kind (a round is one `round started` in the trace), writes, and
 * whether any task was replaced or any service's spec version moved (task ids and versions read
 * straight from the manager before the restart and after the window). Then, untimed, what one no-op `docker stack deploy` of a converged 1-service
 * stack sends through the same proxy: the loop a cron job would run per project.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { startSwarmLab, type SwarmLab } from '../test/helpers/swarm-lab.js';
import { startDaemonProcess, writeDaemonConfig, type DaemonProcess } from './lib/daemon-process.js';
import { isWrite, startDockerProxy, type DockerProxy } from './lib/docker-proxy.js';
import { timedCommand } from './lib/engine.js';
import { startGitServerProcess, type GitServerProcess } from './lib/git-server.js';
import type { BenchResult } from './lib/report.js';
import { commitToBare, createBareRepo } from './lib/repos.js';
import {
  removeStack,
  specVersions,
  stackView,
  swarmDaemonConfig,
  swarmStackFile,
  waitConverged,
  type RawTask,
} from './lib/swarm.js';
import { loadAverage, onCleanup, pollUntil, round, runCleanup, sleep, uniqueName } from './lib/util.js';

const PROJECTS = 100;
const POLL_S = 5;
const WINDOW_S = 30;
const CONVERGE_TIMEOUT_MS = 10 * 60_000;
const DOCKER_CLI = '/usr/bin/docker';
const MANAGED = { label: ['spin.managed=true'] };

export async function benchSwarmSteady(): Promise<BenchResult> {
  const prefix = uniqueName('bench-sws');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-swarm-steady-'));
  let lab: SwarmLab | undefined;
  let server: GitServerProcess | undefined;
  let proxy: DockerProxy | undefined;
  let daemon: DaemonProcess | undefined;
  const cleanup = async () => {
    await daemon?.stop();
    await proxy?.stop();
    await server?.stop();
    await lab?.down();
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  const details: Record<string, unknown> = {};
  try {
    lab = await startSwarmLab('bench-sws');
    const manager = lab.managerDocker;
    console.error(`  swarm lab ${lab.name} up (manager ${lab.manager})`);
    const gitRoot = path.join(tmp, 'git');
    server = await startGitServerProcess(gitRoot);
    const names = Array.from({ length: PROJECTS }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);
    const heads = new Map<string, string>();
    for (const name of names) {
      const gitdir = await createBareRepo(gitRoot, name);
      const stack = swarmStackFile({ services: 1, tag: name });
      heads.set(name, await commitToBare(gitdir, { 'compose.yaml': stack }, 'initial'));
    }
    proxy = await startDockerProxy(path.join(tmp, 'manager.sock'), lab.manager.replace('unix://', ''));
    const stateDir = path.join(tmp, 'state');
    const configFile = await writeDaemonConfig(path.join(tmp, 'spin.yaml'), {
      stateDir,
      pollInterval: `${POLL_S}s`,
      // Only polls run rounds in the window: the resync (which lists everything) is measured apart.
      resyncSchedule: '0 0 1 1 *',
      ...swarmDaemonConfig(proxy.host),
      projects: names.map((name) => ({
        name,
        repo: server?.repoUrl(name),
        policy: 'swarm',
        previews: { branches: false },
      })),
    });
    const t0 = performance.now();
    daemon = await startDaemonProcess(configFile, 'info');
    await waitConverged100(statusDir(stateDir), names, heads, manager);
    details.convergeS = round((performance.now() - t0) / 1000);
    console.error(`  swarm steady: ${PROJECTS} projects converged in ${details.convergeS} s`);
    // Converged one by one, the projects poll on ticks of their own. A restarted daemon wakes
    // them all at once: one round, then every poll of all 100 falls due on the same tick. The
    // restart is measured too: it must list once and change nothing.
    await daemon.stop();
    daemon = undefined;
    const before = await managedState(manager);
    proxy.reset();
    daemon = await startDaemonProcess(configFile, 'debug');
    const running = daemon;
    await pollUntil(
      async () => (running.logs.filter((l) => l.msg === 'pass ended').length >= PROJECTS ? true : undefined),
      {
        timeoutMs: CONVERGE_TIMEOUT_MS,
        intervalMs: 500,
        what: 'the first pass of every project after the restart',
      },
    );
    const restartCalls = proxy.counts();
    details.restart = {
      engineCalls: restartCalls,
      rounds: running.logs.filter((l) => l.msg === 'round started').length,
      writes: writesOf(restartCalls),
    };
    console.error(`  swarm steady, restart: ${JSON.stringify(details.restart)}`);
    // Past the restart's round and its first poll interval.
    await sleep(POLL_S * 1000 + 1_000);

    proxy.reset();
    const git0 = await server.counts();
    const logs0 = daemon.logs.length;
    const load0 = await loadAverage();
    await sleep(WINDOW_S * 1000);
    const calls = proxy.counts();
    const windowLogs = daemon.logs.slice(logs0);
    const polls = (await server.counts()).advertise - git0.advertise;
    const after = await managedState(manager);

    const rounds = windowLogs.filter((l) => l.msg === 'round started').length;
    const perRound = (kind: string) => (calls[kind] ?? 0) / Math.max(1, rounds);
    const writes = writesOf(calls);
    const writeCount = Object.values(writes).reduce((n, c) => n + c, 0);
    const restartWrites = Object.values(writesOf(restartCalls)).reduce((n, c) => n + c, 0);
    const replacedTasks = [...before.runningTasks].filter((id) => !after.runningTasks.has(id)).length;
    const newTasks = after.allTasks - before.allTasks;
    const movedVersions = Object.keys(after.versions).filter(
      (id) => after.versions[id] !== before.versions[id],
    ).length;
    details.window = {
      seconds: WINDOW_S,
      loadAverage: load0,
      rounds,
      polls,
      engineCalls: calls,
      servicesListsPerRound: round(perRound('GET /services'), 2),
      tasksListsPerRound: round(perRound('GET /tasks'), 2),
      networksListsPerRound: round(perRound('GET /networks'), 2),
      writes,
      runningTasks: before.runningTasks.size,
      replacedTasks,
      newTasks,
      servicesWithMovedVersion: movedVersions,
      projectPassesPerRound: round(
        windowLogs.filter((l) => l.msg === 'pass started').length / Math.max(1, rounds),
        1,
      ),
      passLogLines: windowLogs.reduce<Record<string, number>>((counts, l) => {
        counts[l.msg] = (counts[l.msg] ?? 0) + 1;
        return counts;
      }, {}),
    };
    console.error(`  swarm steady window: ${JSON.stringify(details.window)}`);
    await daemon.stop();
    daemon = undefined;

    details.stackDeployNoOp = await stackDeployNoOp(lab, proxy, tmp);
    console.error(`  docker stack deploy, no-op: ${JSON.stringify(details.stackDeployNoOp)}`);
    const peerWrites = (details.stackDeployNoOp as { writes: number }).writes;

    return {
      name: 'swarm-steady',
      figures: [
        {
          bench: 'swarm-steady',
          metric: `Swarm, ${PROJECTS} projects x 1 service: service lists per round (${rounds} rounds, ${polls} polls in ${WINDOW_S} s; task lists: ${round(perRound('GET /tasks'), 2)})`,
          unit: '',
          spin: perRound('GET /services'),
          goal: '1 / 1 per engine',
          // A round that started just before the window may list inside it.
          pass: (calls['GET /services'] ?? 0) <= rounds + 1 && (calls['GET /tasks'] ?? 0) <= rounds + 1,
        },
        {
          bench: 'swarm-steady',
          metric: 'Swarm: other engine reads per round (network lists)',
          unit: '',
          spin: perRound('GET /networks'),
          goal: '0',
          pass: (calls['GET /networks'] ?? 0) === 0,
        },
        {
          bench: 'swarm-steady',
          metric: `Swarm: engine writes, daemon restart + window (peer: one no-op stack deploy of 1 service)`,
          unit: 'writes',
          spin: writeCount + restartWrites,
          compose: peerWrites,
          goal: '0',
          pass: writeCount === 0 && restartWrites === 0,
        },
        {
          bench: 'swarm-steady',
          metric: `Swarm: tasks replaced or added / service spec versions moved (of ${before.runningTasks.size} tasks)`,
          unit: '',
          spin: replacedTasks + Math.max(0, newTasks) + movedVersions,
          goal: '0',
          pass: replacedTasks === 0 && newTasks === 0 && movedVersions === 0,
        },
      ],
      details,
      notes: [
        `swarm-steady: ${rounds} rounds, ${round(perRound('GET /services'), 2)} service lists, ${round(perRound('GET /tasks'), 2)} task lists and ${round(perRound('GET /networks'), 2)} network lists per round; ${writeCount} writes; ${replacedTasks} tasks replaced, ${newTasks} new, ${movedVersions} versions moved`,
      ],
    };
  } finally {
    await runCleanup(cleanup);
  }
}

function statusDir(stateDir: string): string {
  return path.join(stateDir, 'status');
}

/** Every project applied its head and is Healthy; progress on stderr every ~30 s. */
async function waitConverged100(
  dir: string,
  names: string[],
  heads: Map<string, string>,
  manager: Docker,
): Promise<void> {
  let lastReport = performance.now();
  await pollUntil(
    async () => {
      let healthy = 0;
      for (const name of names) {
        try {
          const s = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as {
            appliedCommit?: string;
            health?: string;
          };
          if (s.appliedCommit === heads.get(name) && s.health === 'Healthy') healthy++;
        } catch {
          // not written yet
        }
      }
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const state = await managedState(manager);
        console.error(
          `  swarm steady: ${healthy} healthy, ${Object.keys(state.versions).length} services, ${state.runningTasks.size} tasks desired running`,
        );
      }
      return healthy === names.length ? true : undefined;
    },
    { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 2_000, what: `${names.length} Swarm projects to converge` },
  );
}

function writesOf(calls: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(calls).filter(([kind]) => isWrite(kind)));
}

/** Task ids (desired running), the count of all tasks, and spec versions of every managed service. */
async function managedState(manager: Docker): Promise<{
  runningTasks: Set<string>;
  allTasks: number;
  versions: Record<string, number>;
}> {
  const services = await manager.listServices({ filters: MANAGED });
  const ids = new Set(services.map((s) => s.ID));
  const tasks = ((await manager.listTasks({})) as RawTask[]).filter((t) => ids.has(t.ServiceID ?? ''));
  return {
    runningTasks: new Set(tasks.filter((t) => t.DesiredState === 'running').map((t) => t.ID)),
    allTasks: tasks.length,
    versions: Object.fromEntries(services.map((s) => [s.ID, s.Version?.Index ?? 0])),
  };
}

/**
 * The peer's loop for one project: `docker stack deploy` of a converged, unchanged 1-service
 * stack, through the counting proxy; its calls by kind, and whether it replaced the task.
 */
async function stackDeployNoOp(
  lab: SwarmLab,
  proxy: DockerProxy,
  tmp: string,
): Promise<Record<string, unknown>> {
  const namespace = uniqueName('bench-sws-stack');
  const nodes = [lab.managerDocker, lab.workerDocker];
  const file = path.join(tmp, 'docker-compose.yml');
  const stack = { services: 1 };
  const teardown = () => removeStack(lab.managerDocker, nodes, namespace);
  onCleanup(teardown);
  try {
    await writeFile(file, swarmStackFile(stack));
    const deploy = (host: string) =>
      timedCommand(DOCKER_CLI, ['-H', host, 'stack', 'deploy', '-c', file, namespace], { timeDir: tmp });
    await deploy(lab.manager);
    const first = await waitConverged(lab.managerDocker, namespace, stack, CONVERGE_TIMEOUT_MS);
    proxy.reset();
    const run = await deploy(proxy.host);
    const calls = proxy.counts();
    // Let a task replacement, if the update asked for one, show.
    await sleep(3_000);
    const again = await stackView(lab.managerDocker, namespace);
    const ids = (v: typeof first.view) => [...v.tasks.values()].flat().map((t) => t.ID);
    return {
      engineCalls: calls,
      writes: Object.values(writesOf(calls)).reduce((n, c) => n + c, 0),
      wallMs: round(run.wallMs),
      versionMoved: specVersions(first.view).s01 !== specVersions(again).s01,
      taskReplaced: ids(first.view).join() !== ids(again).join(),
    };
  } finally {
    await runCleanup(teardown);
  }
}
