/**
 * The attacker's audit of issue #12 on the real engine: a commit that asks for an hour-long stop
 * grace period, a healthcheck that parks its probe for an hour, a pausing stop signal, a
 * newline in its own /etc/hosts or a 17 kB label is refused by the real daemon, the running
 * containers stay as they were (still created with the 1s grace period), and `spin validate`
 * says where each is written.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers } from '../helpers/docker.js';
import { writeFiles } from '../helpers/git-server.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';

let f: ProjectFixture;
let good: string;

const service = (extra = '') => `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
${HARDENING}${extra}`;

/** Each hostile setting, the line (1-based) its value is on, and the rule that refuses it. */
const VARIANTS: [string, string, number, string][] = [
  ['an hour-long stop grace period', '    stop_grace_period: 1h\n', 8, 'resources.stop-grace-period'],
  [
    'an hour-long healthcheck timeout',
    '    healthcheck: { test: ["CMD", "true"], interval: 5s, timeout: 1h }\n',
    8,
    'resources.healthcheck',
  ],
  ['a pausing stop signal', '    stop_signal: SIGSTOP\n', 8, 'resources.stop-signal'],
  ['a newline in extra_hosts', '    extra_hosts: ["a:10.0.0.1\\n10.0.0.2 db"]\n', 8, 'network.extra-hosts'],
  ['a 17 kB label', `    labels: { big: "${'x'.repeat(17_000)}" }\n`, 8, 'resources.request-size'],
];

beforeAll(async () => {
  f = await projectFixture('audit');
  good = await f.push({ 'compose.yaml': service('    stop_grace_period: 1s\n') }, 'good');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === good && s.health === 'Healthy', 'good commit deployed');
});
afterAll(() => f?.cleanup());

async function snapshot(): Promise<string[]> {
  const list = await listProjectContainers(f.project);
  return Promise.all(
    list.map(async (c) => {
      const info = await docker().getContainer(c.id).inspect();
      return `${c.id} ${info.State.StartedAt} stop=${String((info.Config as { StopTimeout?: number }).StopTimeout)}`;
    }),
  );
}

describe('the audited bounds end to end', () => {
  it('refuses each hostile setting in the daemon, leaving the running container untouched', async () => {
    const before = await snapshot();
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/ stop=1$/);
    for (const [message, extra, , rule] of VARIANTS) {
      const commit = await f.push({ 'compose.yaml': service(extra) }, message);
      const status = await f.waitStatus((s) => s.refusedCommit === commit, `${message} refused`);
      expect((status.lastError?.diagnostics ?? []).map((d) => d.rule)).toContain(rule);
      expect(status.appliedCommit).toBe(good);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('locates each in spin validate as FILE:LINE:COL: RULE', async () => {
    for (const [i, [message, extra, line, rule]] of VARIANTS.entries()) {
      const dir = path.join(f.tmp, `validate-${i}`);
      await writeFiles(dir, { 'compose.yaml': service(extra) });
      const r = await runSpin(['validate', dir]);
      expect(r.code, message).toBe(1);
      expect(r.stdout + r.stderr, message).toMatch(
        new RegExp(`compose\\.yaml:${line}:\\d+: ${rule.replace('.', '\\.')}:`),
      );
    }
  });
});
