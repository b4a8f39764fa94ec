import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/config/shard.js';
import type { ProjectStatus } from '../../src/status/project-status.js';
import { callApi } from '../helpers/api-client.js';
import { listProjectContainers, removeProject, uniqueProject, waitFor } from '../helpers/docker.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';
import { startDaemon, type RunningDaemon } from '../helpers/spin-cli.js';

/**
 * Two daemons share one config (each with its own stateDir, from SPIN_STATE_DIR), started with
 * `--shard 0/2` and `--shard 1/2`. Every project is deployed by exactly one of them: each
 * daemon's API lists only its own projects, its log shows passes only for them, and the
 * containers of the other's projects are never recreated by it.
 */
let f: ProjectFixture;
let names: string[] = [];
const daemons: RunningDaemon[] = [];

/** Four project names, at least one in each shard of two. */
function namesInBothShards(): string[] {
  for (;;) {
    const candidate = Array.from({ length: 4 }, (_, i) => uniqueProject(`shard${i}`));
    const shards = new Set(candidate.map((name) => shardOf(name, 2)));
    if (shards.size === 2) return candidate;
  }
}

async function projectsOf(daemon: RunningDaemon): Promise<ProjectStatus[]> {
  const res = await callApi<{ projects: ProjectStatus[] }>(daemon.apiUrl, 'GET', '/api/v1/projects');
  expect(res.status).toBe(200);
  return res.body.projects;
}

beforeAll(async () => {
  f = await projectFixture('shard', { pollInterval: '1s' });
  names = namesInBothShards();
  await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
  // No stateDir in the file: each daemon has its own (SPIN_STATE_DIR), as on two machines.
  await f.writeConfig({
    ...f.config,
    stateDir: undefined as unknown as string,
    projects: names.map((name) => ({ name, repo: f.server.repoUrl(f.project) })),
  });
  for (const index of [0, 1]) {
    daemons.push(
      await startDaemon(f.configFile, {
        args: ['--shard', `${index}/2`],
        env: { SPIN_STATE_DIR: path.join(f.tmp, `state-${index}`) },
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop().catch(() => {});
  for (const name of names) await removeProject(name);
  await f?.cleanup();
}, 120_000);

describe('two daemons, one config, --shard 0/2 and 1/2', () => {
  it('each project is deployed by exactly one daemon, and neither touches the other`s', async () => {
    const owner = (name: string) => daemons[shardOf(name, 2)] as RunningDaemon;
    // Each daemon lists exactly its own projects.
    for (const [index, daemon] of daemons.entries()) {
      const listed = (await projectsOf(daemon)).map((s) => s.project).sort();
      expect(listed).toEqual(names.filter((name) => shardOf(name, 2) === index).sort());
    }
    // All converge, each under its owner.
    for (const name of names) {
      await waitFor(async () => (await projectsOf(owner(name))).find((s) => s.project === name), {
        until: (s) => s?.health === 'Healthy' && s.sync === 'Synced',
        timeoutMs: 180_000,
        intervalMs: 500,
        description: `${name} converged by daemon ${shardOf(name, 2)}`,
      });
    }
    const ids = new Map<string, string[]>();
    for (const name of names) {
      const containers = await listProjectContainers(name);
      expect(containers.map((c) => c.state)).toEqual(['running']);
      ids.set(
        name,
        containers.map((c) => c.id),
      );
    }
    // Let both daemons run more passes (poll 1s; the resync every minute replans every project).
    const passesOf = (daemon: RunningDaemon) => daemon.logs.filter((l) => l.msg === 'pass started').length;
    const seen = daemons.map(passesOf);
    await waitFor(() => daemons.every((d, i) => passesOf(d) >= (seen[i] ?? 0) + 2 * names.length), {
      timeoutMs: 120_000,
      description: 'more passes on both daemons',
    });
    // Nothing was recreated: neither daemon undid or redid the other's deployments.
    for (const name of names)
      expect((await listProjectContainers(name)).map((c) => c.id)).toEqual(ids.get(name));
    // Each daemon's passes were only for its own projects.
    for (const [index, daemon] of daemons.entries()) {
      const passed = new Set(
        daemon.logs.filter((l) => l.msg === 'pass started').map((l) => String(l.project)),
      );
      for (const name of passed) expect(shardOf(name, 2)).toBe(index);
      expect(passed.size).toBeGreaterThan(0);
    }
  }, 400_000);
});
