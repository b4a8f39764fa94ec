/**
 * Namespace joins land only on the project's own containers (issue #12 item 2), on the real
 * engine and the real daemon. Project A runs `web` and `side` (network_mode: service:web); project
 * B tries `network_mode: container:<A's web>`: the commit is refused and nothing of B is ever
 * created. The driver's own last check is exercised directly too: a request that skipped the
 * policy and names another project's container is refused before any create call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers, removeProject, requireDocker } from '../helpers/docker.js';
import {
  HARDENING,
  LIMITS,
  projectFixture,
  sleeperStack,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { DockerDriver } from '../../src/drivers/docker/docker-driver.js';
import { BUILTIN_DEFAULT_POLICY } from '../../src/policy/index.js';
import { service } from '../unit/reconciler/fixtures.js';

let f: ProjectFixture;
let other: ExtraRepo;
const healthy = (s: { sync: string; health: string }) => s.sync === 'Synced' && s.health === 'Healthy';
const spyStack = (target: string) =>
  sleeperStack(['spy']).replace(
    '    stop_grace_period',
    `    network_mode: "${target}"\n    stop_grace_period`,
  );

beforeAll(async () => {
  await requireDocker();
  f = await projectFixture('joins');
  other = await f.addRepo('joins-b');
  const own = `${sleeperStack(['web'])}  side:
    image: spin-test/busybox:1
    command: ["sleep", "3600"]
    network_mode: service:web
    deploy: { ${LIMITS} }
${HARDENING}`;
  await f.push({ 'compose.yaml': own }, 'side joins web');
  await other.push({ 'compose.yaml': spyStack(`container:${f.project}_web_1`) }, 'spy joins A');
  await f.writeConfig({
    ...f.config,
    projects: [...f.config.projects, { name: other.project, repo: other.repoUrl }],
  });
  await f.startDaemon();
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
});

describe('namespace joins', () => {
  it('a join of an own service runs, joined to that container by id', async () => {
    await f.waitStatus(healthy, 'project A healthy', 60_000);
    const list = await listProjectContainers(f.project);
    const web = list.find((c) => c.labels['spin.service'] === 'web');
    const side = list.find((c) => c.labels['spin.service'] === 'side');
    expect(side?.state).toBe('running');
    const info = await docker()
      .getContainer(side?.id ?? '')
      .inspect();
    expect(info.HostConfig.NetworkMode).toBe(`container:${web?.id}`);
  });

  it("a join of another project's container is refused and never reaches the engine", async () => {
    const status = await f.waitStatusOf(
      other.project,
      (s) => s.refusedCommit !== undefined,
      'project B refused',
      60_000,
    );
    expect(status.lastError?.reason).toBe('InvalidCommit');
    expect((status.lastError?.diagnostics ?? []).map((d) => d.rule)).toContain(
      'namespaces.foreign-container',
    );
    expect(await listProjectContainers(other.project)).toEqual([]);
  });

  it("the driver's last check refuses a join that skipped the policy, before any create call", async () => {
    const calls: string[] = [];
    const driver = new DockerDriver(docker(), (call) => calls.push(call));
    const attempt = (networkMode: string, name: string) =>
      driver.createContainer({
        project: other.project,
        name,
        replica: 1,
        spec: service('spy', { image: 'spin-test/busybox:1', networkMode, networks: {} }),
        commit: 'a'.repeat(40),
        configHash: 'h',
        resolveBindSource: (s) => s,
        admission: {
          policy: structuredClone(BUILTIN_DEFAULT_POLICY),
          project: other.project,
          containers: new Map(),
          spinRoots: [],
        },
      });
    // By A's container name, and by a service B does not run (A's service of that name runs).
    await expect(attempt(`container:${f.project}_web_1`, `${other.project}_spy_1`)).rejects.toThrow(
      /refused: network_mode .* is not a container of project/,
    );
    await expect(attempt('service:web', `${other.project}_spy_2`)).rejects.toThrow(
      /refused: network_mode "service:web" .*no running container of service web/,
    );
    expect(calls).not.toContain('containers.create');
    expect(await listProjectContainers(other.project)).toEqual([]);
    await removeProject(other.project);
  });
});
