/**
 * 8. Swarm cold deploy and one-service change (issue 15), on a real two-node Swarm
 * (scripts/swarm-lab.sh, started for this benchmark and torn down after it). 20 busybox sleepers,
 * one replica each, on the stack's overlay network. Spin: the real `spin daemon` with the lab's
 * manager as a `kind: swarm` engine already runs the project at an empty stack from a local
 * repository it watches; the clock starts when `git commit` of the 20 services returns. Peer:
 * `docker stack deploy` (the 20.10 CLI) of the same compose file, clock started before it runs.
 * Both clocks stop when the manager's lists first show every service's one task running with
 * that revision (polled every 200 ms for both: the 20.10 CLI has no `--detach=false`). Then one
 * service's environment changes (a commit; the edited file deployed again): the same clock, and
 * which services' spec versions moved. The three (Spin, peer, floor) run in turn, in an order that
 * rotates every repetition; each starts from an empty lab.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { startSwarmLab, type SwarmLab } from '../test/helpers/swarm-lab.js';
import { actionPhases } from './cold.js';
import { timedCommand } from './lib/engine.js';
import type { BenchResult } from './lib/report.js';
import { startSpinProject } from './lib/spin-project.js';
import { EMPTY_SPIN_STACK, SLEEPER_COMMAND, SLEEPER_IMAGE, serviceName, serviceNames } from './lib/stacks.js';
import {
  STACK_NAMESPACE,
  movedServices,
  removeStack,
  specVersions,
  stackView,
  swarmDaemonConfig,
  swarmStackFile,
  waitConverged,
  type SwarmStack,
} from './lib/swarm.js';
import { loadAverage, mapLimit, median, onCleanup, round, runCleanup, uniqueName } from './lib/util.js';

const SERVICES = 20;
const TIMEOUT_MS = 180_000;
/** The CLI that matches the lab's engine (20.10); another on PATH may be newer. */
const DOCKER_CLI = '/usr/bin/docker';

export interface SwarmColdOptions {
  reps: number;
}

interface Run {
  coldMs: number;
  changeMs: number;
  changed: string;
  /** Services whose spec version moved with the change. */
  moved: string[];
  details?: Record<string, unknown>;
}

export async function benchSwarmCold(opts: SwarmColdOptions): Promise<BenchResult> {
  let lab: SwarmLab | undefined;
  const cleanup = async () => {
    await lab?.down();
  };
  onCleanup(cleanup);
  try {
    lab = await startSwarmLab('bench-swc');
    console.error(`  swarm lab ${lab.name} up (manager ${lab.manager})`);
    const spinRuns: Run[] = [];
    const peerRuns: Run[] = [];
    const floorRuns: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      // Another service each repetition, as in `change`.
      const changed = serviceName((rep * 7) % SERVICES);
      // The order turns each repetition: whichever runs first follows the previous repetition's
      // teardown, whose after-effects (the worker still releasing the overlay's addresses and
      // sandboxes) would otherwise always slow the same tool.
      const runs = [
        async () => spinRuns.push(await spinOnce(lab as SwarmLab, changed)),
        async () => peerRuns.push(await stackDeployOnce(lab as SwarmLab, changed)),
        async () => floorRuns.push(await floorOnce(lab as SwarmLab)),
      ];
      for (let i = 0; i < runs.length; i++) await runs[(rep + i) % runs.length]?.();
      const [s, p] = [spinRuns.at(-1) as Run, peerRuns.at(-1) as Run];
      console.error(
        `  swarm rep ${rep + 1} (load ${(await loadAverage())[0]}): cold spin ${s.coldMs.toFixed(0)} ms, stack deploy ${p.coldMs.toFixed(0)} ms; ` +
          `change of ${changed}: spin ${s.changeMs.toFixed(0)} ms (moved: ${s.moved.join(' ')}), ` +
          `stack deploy ${p.changeMs.toFixed(0)} ms (moved: ${p.moved.length} services); ` +
          `floor ${floorRuns.at(-1)?.toFixed(0)} ms`,
      );
    }
    const med = (runs: Run[], key: 'coldMs' | 'changeMs') => median(runs.map((r) => r[key]));
    const [spinCold, peerCold] = [med(spinRuns, 'coldMs'), med(peerRuns, 'coldMs')];
    const [spinChange, peerChange] = [med(spinRuns, 'changeMs'), med(peerRuns, 'changeMs')];
    const onlyChanged = spinRuns.every((r) => r.moved.length === 1 && r.moved[0] === r.changed);
    return {
      name: 'swarm-cold',
      figures: [
        {
          bench: 'swarm-cold',
          metric: `Swarm, ${SERVICES}-service deploy, commit to converged (median of ${opts.reps}; peer: docker stack deploy)`,
          unit: 's',
          spin: spinCold / 1000,
          compose: peerCold / 1000,
          ratio: spinCold / peerCold,
          ratioKind: 'spin/compose',
          goal: '<= 1.0x stack deploy',
          pass: spinCold <= peerCold,
        },
        {
          bench: 'swarm-cold',
          metric: `Swarm floor: the same ${SERVICES} services created straight through the manager's API`,
          unit: 's',
          spin: median(floorRuns) / 1000,
          compose: peerCold / 1000,
          ratio: median(floorRuns) / peerCold,
          ratioKind: 'spin/compose',
        },
        {
          bench: 'swarm-cold',
          metric: `Swarm, 1 of ${SERVICES} changed, commit to converged (median of ${opts.reps})`,
          unit: 's',
          spin: spinChange / 1000,
          compose: peerChange / 1000,
          ratio: spinChange / peerChange,
          ratioKind: 'spin/compose',
          goal: '<= stack deploy',
          pass: spinChange <= peerChange,
        },
        {
          bench: 'swarm-cold',
          metric: 'Swarm, 1 of 20 changed: services whose spec version moved (max over reps)',
          unit: 'services',
          spin: Math.max(...spinRuns.map((r) => r.moved.length)),
          compose: Math.max(...peerRuns.map((r) => r.moved.length)),
          goal: 'only the changed one',
          pass: onlyChanged,
        },
      ],
      details: {
        lab: lab.name,
        spinRuns: spinRuns.map(rounded),
        stackDeployRuns: peerRuns.map(rounded),
        floorRunsMs: floorRuns.map((v) => round(v)),
      },
      notes: [
        'swarm-cold: the compose column is `docker stack deploy` (CLI 20.10) on the same two-node lab, timed to the same condition',
      ],
    };
  } finally {
    await runCleanup(cleanup);
  }
}

function rounded(r: Run): Record<string, unknown> {
  return { ...r, coldMs: round(r.coldMs), changeMs: round(r.changeMs) };
}

/** One Spin run on the lab: the cold deploy from an empty stack, then the one-service change. */
async function spinOnce(lab: SwarmLab, changed: string): Promise<Run> {
  const project = uniqueName('bench-swc');
  const nodes = [lab.managerDocker, lab.workerDocker];
  let spin: Awaited<ReturnType<typeof startSpinProject>> | undefined;
  const teardown = async () => {
    await spin?.stop();
    await removeStack(lab.managerDocker, nodes, project);
  };
  onCleanup(teardown);
  try {
    spin = await startSpinProject(project, EMPTY_SPIN_STACK, {
      repo: 'local',
      config: swarmDaemonConfig(lab.manager),
      project: { policy: 'swarm' },
    });
    const first: SwarmStack = { services: SERVICES };
    const commit = await spin.commit(swarmStackFile(first), 'twenty services');
    const cold = await waitConverged(lab.managerDocker, project, first, TIMEOUT_MS);
    // Not timed: the daemon agrees, and every service carries the commit.
    await spin.waitApplied(commit.sha, TIMEOUT_MS);
    for (const [name, s] of cold.view.services) {
      if (s.Spec?.Labels?.['spin.commit'] !== commit.sha) throw new Error(`${name} is not at ${commit.sha}`);
    }
    const before = specVersions(await stackView(lab.managerDocker, project));

    const second: SwarmStack = { services: SERVICES, revisions: { [changed]: '2' } };
    const change = await spin.commit(swarmStackFile(second), `change ${changed}`);
    const updated = await waitConverged(lab.managerDocker, project, second, TIMEOUT_MS);
    await spin.waitApplied(change.sha, TIMEOUT_MS);
    const moved = movedServices(before, specVersions(await stackView(lab.managerDocker, project)));
    // The goal, asserted: a one-service change writes that service's spec and no other.
    if (moved.length !== 1 || moved[0] !== changed) {
      throw new Error(`a change of ${changed} moved the spec version of: ${moved.join(', ') || 'nothing'}`);
    }
    return {
      coldMs: cold.atPerf - commit.atPerf,
      changeMs: updated.atPerf - change.atPerf,
      changed,
      moved,
      details: {
        coldPhases: actionPhases(spin.actionsFor(commit.sha), commit),
        changePhases: actionPhases(spin.actionsFor(change.sha), change),
      },
    };
  } finally {
    await runCleanup(teardown);
  }
}

/** One `docker stack deploy` run of the same file and the same change, timed the same way. */
async function stackDeployOnce(lab: SwarmLab, changed: string): Promise<Run> {
  const namespace = uniqueName('bench-swc-stack');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-stack-'));
  const nodes = [lab.managerDocker, lab.workerDocker];
  const teardown = async () => {
    await removeStack(lab.managerDocker, nodes, namespace);
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(teardown);
  const file = path.join(tmp, 'docker-compose.yml');
  const deploy = async (stack: SwarmStack) => {
    await writeFile(file, swarmStackFile(stack));
    const t0 = performance.now();
    await timedCommand(DOCKER_CLI, ['-H', lab.manager, 'stack', 'deploy', '-c', file, namespace], {
      timeDir: tmp,
    });
    const done = await waitConverged(lab.managerDocker, namespace, stack, TIMEOUT_MS);
    return { ms: done.atPerf - t0, view: done.view };
  };
  try {
    const cold = await deploy({ services: SERVICES });
    const before = specVersions(cold.view);
    const change = await deploy({ services: SERVICES, revisions: { [changed]: '2' } });
    const moved = movedServices(before, specVersions(await stackView(lab.managerDocker, namespace)));
    return { coldMs: cold.ms, changeMs: change.ms, changed, moved };
  } finally {
    await runCleanup(teardown);
  }
}

/**
 * The floor: the stack's overlay network and the same 20 services created straight through the
 * manager's API (8 requests in flight), nothing else, timed to the same condition: what Swarm
 * itself takes to converge them on this lab.
 */
async function floorOnce(lab: SwarmLab): Promise<number> {
  const namespace = uniqueName('bench-swc-floor');
  const manager = lab.managerDocker;
  const teardown = () => removeStack(manager, [lab.managerDocker, lab.workerDocker], namespace);
  onCleanup(teardown);
  const labels = { [STACK_NAMESPACE]: namespace };
  try {
    const t0 = performance.now();
    const network = await manager.createNetwork({
      Name: `${namespace}_default`,
      Driver: 'overlay',
      Labels: labels,
    });
    await mapLimit(serviceNames(SERVICES), 8, (name) =>
      manager.createService({
        Name: `${namespace}_${name}`,
        Labels: labels,
        TaskTemplate: {
          ContainerSpec: {
            Image: SLEEPER_IMAGE,
            Args: SLEEPER_COMMAND,
            Env: [`SERVICE=${name}`, 'REVISION=1'],
            CapabilityDrop: ['ALL'],
            StopGracePeriod: 1_000_000_000,
          },
          Resources: { Limits: { MemoryBytes: 16 * 1024 * 1024, NanoCPUs: 100_000_000 } },
          Networks: [{ Target: network.id, Aliases: [name] }],
        },
        Mode: { Replicated: { Replicas: 1 } },
      } as Docker.CreateServiceOptions),
    );
    const done = await waitConverged(manager, namespace, { services: SERVICES }, TIMEOUT_MS);
    return done.atPerf - t0;
  } finally {
    await runCleanup(teardown);
  }
}
