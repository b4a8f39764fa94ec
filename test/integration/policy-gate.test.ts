import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { spinJson } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

/** The policy gate on the real engine: a forbidden commit after a good one changes nothing. */
let f: ProjectFixture;
let good: string;

const service = (extra = '') => `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
${HARDENING}${extra}`;

beforeAll(async () => {
  f = await projectFixture('gate');
  good = await f.push({ 'compose.yaml': service() }, 'good');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === good && s.health === 'Healthy', 'good commit deployed');
});
afterAll(() => f?.cleanup());

describe('the policy gate end to end', () => {
  it('leaves the good containers untouched and shows every violation of a forbidden commit', async () => {
    const before = await listProjectContainers(f.project);
    const startedAt = (
      await docker()
        .getContainer(before[0]?.id ?? '')
        .inspect()
    ).State.StartedAt;
    const forbidden = await f.push(
      {
        'compose.yaml': service(`    privileged: true
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    ports: ["127.0.0.1:80:8080"]
`),
      },
      'forbidden',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === forbidden, 'forbidden commit refused');
    expect(status.appliedCommit).toBe(good);
    expect(status.sync).toBe('OutOfSync');
    expect(status.health).toBe('Healthy');
    const rules = (status.lastError?.diagnostics ?? []).map((d) => `${d.rule}@${d.line}`);
    expect(rules).toEqual(
      expect.arrayContaining(['privilege.privileged@8', 'mounts.docker-socket@9', 'ports.privileged@10']),
    );
    const json = await spinJson<ProjectStatus[]>(['status', '--config', f.configFile]);
    expect(json.find((s) => s.project === f.project)?.lastError?.reason).toBe('InvalidCommit');
    const after = await listProjectContainers(f.project);
    expect(after.map((c) => [c.id, c.state, c.labels['spin.commit']])).toEqual(
      before.map((c) => [c.id, c.state, c.labels['spin.commit']]),
    );
    expect(
      (
        await docker()
          .getContainer(after[0]?.id ?? '')
          .inspect()
      ).State.StartedAt,
    ).toBe(startedAt);
  });
});
