import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { docker, execIn, waitFor } from '../helpers/docker.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin, SPIN_BIN } from '../helpers/spin-cli.js';
import type { DiffPreview } from '../../src/reconciler/diff-preview.js';
import type { TimelineEntry } from '../../src/daemon/timeline.js';

/**
 * Logs, events and diff without shell access, end to end: the real `spin daemon` on the real
 * engine and git server, read through the real CLI and the API with a read token.
 */
const READ = 'read-token-logs-0123456789abcdef';
const WRITE = 'write-token-logs-0123456789abcdef';

/** Values that must never appear in `spin diff` output: environment may carry secrets. */
const SECRET_ONE = 'value-one-7d1f0c';
const SECRET_TWO = 'value-two-93ab44';
const NEW_VALUE = 'new-value-5e22aa';

/**
 * Two replicas that print a boot line (stdout) and a warning (stderr), then print whatever a
 * test writes into /tmp/say: a line printed at a moment the test chooses.
 */
function stack(options: { apiKey: string; memory: string; extraEnv?: string }): string {
  return `services:
  web:
    image: spin-test/busybox:1
    command: ["sh", "-c", "echo \\"boot $$MARK $$HOSTNAME\\"; echo \\"warn on stderr\\" >&2; trap 'exit 0' TERM; while :; do if [ -f /tmp/say ]; then cat /tmp/say; rm -f /tmp/say; fi; sleep 0.2; done"]
    environment: { MARK: "one", API_KEY: "${options.apiKey}"${options.extraEnv ?? ''} }
    stop_grace_period: 1s
    deploy: { replicas: 2, resources: { limits: { memory: ${options.memory}, cpus: "0.2" } } }
${HARDENING}`;
}

let f: ProjectFixture;
let api: string;
let one: string;
const web = (n: number) => `${f.project}_web_${n}`;
const spin = (args: string[]) => runSpin([...args, '--server', api, '--token', READ]);
const say = (n: number, line: string) => execIn(web(n), ['sh', '-c', `echo '${line}' > /tmp/say`]);

/** `spin logs ... -f` as a user runs it, collecting what it prints until it is stopped. */
function follow(args: string[]): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, [SPIN_BIN, 'logs', ...args, '-f', '--server', api, '--token', READ]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function logStreamsOpen(): Promise<number> {
  const res = await callApi(api, 'GET', '/metrics', { token: READ });
  const match = /^spin_log_streams (\d+)/m.exec(res.text);
  if (!match) throw new Error('spin_log_streams missing from /metrics');
  return Number(match[1]);
}

beforeAll(async () => {
  f = await projectFixture('logs', { config: { api: { readToken: READ, writeToken: WRITE } } });
  one = await f.push({ 'compose.yaml': stack({ apiKey: SECRET_ONE, memory: '32m' }) }, 'one');
  api = (await f.startDaemon()).apiUrl;
  await f.waitStatus(
    (s) => s.appliedCommit === one && s.health === 'Healthy',
    'first commit healthy',
    90_000,
  );
});

afterAll(() => f?.cleanup());

describe('spin logs', () => {
  it('prints every replica with its own prefix, stdout and stderr, like docker compose logs', async () => {
    const out = await waitFor(() => spin(['logs', f.project]), {
      until: (r) => r.code === 0 && r.stdout.includes('web-2  | boot one'),
      description: 'both replicas printed their boot line',
    });
    expect(out.stdout).toMatch(/^web-1 {2}\| boot one \w+$/m);
    expect(out.stdout).toMatch(/^web-2 {2}\| boot one \w+$/m);
    expect(out.stdout).toMatch(/^web-1 {2}\| warn on stderr$/m);

    // The dashboard's project page shows the same lines under the service, with the follow switch.
    const page = await callApi(api, 'GET', `/projects/${f.project}`, { token: READ });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<input type="checkbox" data-follow-logs>');
    expect(page.text).toMatch(/data-logs="web"[^>]*>[^<]*web-2 {2}\| boot one/);
  });

  it('reads one replica with --replica, the last lines with --tail, and output since a time with --since', async () => {
    await say(1, 'before-the-mark');
    await waitFor(() => spin(['logs', f.project, 'web', '--replica', '1']), {
      until: (r) => r.stdout.includes('before-the-mark'),
      description: 'the first line printed',
    });
    // Engine and test share a clock; a second either side keeps "since" away from both lines.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const mark = (Date.now() / 1000).toFixed(3);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await say(1, 'after-the-mark');
    const since = await waitFor(() => spin(['logs', f.project, 'web', '--replica', '1', '--since', mark]), {
      until: (r) => r.stdout.includes('after-the-mark'),
      description: 'the line printed after the mark',
    });
    expect(since.stdout).not.toContain('before-the-mark');
    expect(since.stdout).not.toContain('boot one');
    expect(since.stdout).not.toContain('web-2');

    const tail = await spin(['logs', f.project, 'web', '--replica', '1', '--tail', '1']);
    expect(tail.code).toBe(0);
    expect(tail.stdout).toBe('web-1  | after-the-mark\n');

    const stamped = await spin(['logs', f.project, 'web', '--replica', '2', '--tail', '1', '--timestamps']);
    expect(stamped.stdout).toMatch(/^web-2 {2}\| \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z /);
  });

  it('follows a replica: a line printed after the request started arrives, and the engine stream closes when the client goes away', async () => {
    const streams = await logStreamsOpen();
    const run = follow([f.project, 'web', '--replica', '1']);
    try {
      await waitFor(() => run.output(), {
        until: (o) => o.includes('boot one'),
        description: 'follow started',
      });
      expect(await logStreamsOpen()).toBeGreaterThan(streams);
      const line = `said-while-following-${Date.now()}`;
      await say(1, line);
      await waitFor(() => run.output(), {
        until: (o) => o.includes(`web-1  | ${line}`),
        description: 'the new line',
      });
      expect(run.output()).not.toContain('web-2');

      // The replica is removed behind Spin's back: the daemon repairs it, and the follow goes on
      // with the replacement, read from its start, as `docker compose logs -f` does.
      const before = (await docker().getContainer(web(1)).inspect()).Config.Hostname;
      await docker().getContainer(web(1)).remove({ force: true });
      const replaced = await waitFor(() => run.output(), {
        until: (o) =>
          /boot one (\w+)/g.test(o) && [...o.matchAll(/boot one (\w+)/g)].some((m) => m[1] !== before),
        description: 'the replacement replica boot line in the same stream',
        timeoutMs: 90_000,
      });
      expect(replaced).toMatch(new RegExp(`web-1  \\| boot one ${before}`));
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.kill('SIGINT');
    }
    await waitFor(logStreamsOpen, { until: (n) => n === streams, description: 'engine log streams closed' });
  });

  it('answers 404 for a service without containers, 400 for a bad --since, 401 without a token', async () => {
    const missing = await spin(['logs', f.project, 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no container of service 'nope'");
    const badSince = await spin(['logs', f.project, '--since', 'yesterday']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain("since 'yesterday'");
    const anonymous = await callApi(api, 'GET', `/api/v1/projects/${f.project}/logs`);
    expect(anonymous.status).toBe(401);
  });
});

describe('spin events', () => {
  it('shows the deploy, the engine events of the drift and the repair as one timeline', async () => {
    const body = await waitFor(
      async () =>
        (
          await callApi<{ events: TimelineEntry[] }>(api, 'GET', `/api/v1/projects/${f.project}/events`, {
            token: READ,
          })
        ).body,
      {
        // `docker rm -f` is a `die` then a `destroy`; the repair pass starts on the `die` (it may
        // start before the `destroy` arrives), so the timeline must show both and a pass after the die.
        until: (b) => {
          const ofWeb1 = (kind: string) =>
            b.events.findIndex((e) => e.source === 'engine' && e.container === web(1) && e.kind === kind);
          const died = ofWeb1('die');
          return (
            died >= 0 &&
            ofWeb1('destroy') > died &&
            b.events.slice(died).some((e) => e.source === 'pass' && e.kind === 'applied')
          );
        },
        description: 'die and destroy of web_1, and an applied pass after the die',
      },
    );
    const deploy = body.events.find((e) => e.source === 'pass' && e.kind === 'applied' && e.commit === one);
    expect(deploy?.message).toMatch(/^pass applied/);
    const times = body.events.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const cli = await spin(['events', f.project]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^TIME\s+SOURCE\s+KIND\s+WHAT/);
    expect(cli.stdout).toMatch(new RegExp(`engine\\s+destroy\\s+${web(1)}: destroy`));
    expect(cli.stdout).toMatch(/pass\s+applied\s+pass applied/);
  });
});

describe('spin diff', () => {
  let two: string;

  it('names the changed fields, field by field, and never an environment value', async () => {
    const suspend = await callApi(api, 'POST', `/api/v1/projects/${f.project}/suspend`, {
      token: WRITE,
      body: {},
    });
    expect(suspend.status).toBe(200);
    two = await f.push(
      { 'compose.yaml': stack({ apiKey: SECRET_TWO, memory: '48m', extraEnv: `, NEW_KEY: "${NEW_VALUE}"` }) },
      'two',
    );
    const res = await waitFor(
      () => callApi<DiffPreview>(api, 'GET', `/api/v1/projects/${f.project}/diff`, { token: READ }),
      { until: (r) => r.status === 200 && r.body.commit === two, description: 'diff against the new head' },
    );
    expect(res.body.running).toEqual([one]);
    expect(res.body.services).toEqual([
      {
        service: 'web',
        change: 'recreate',
        replicas: { from: 2, to: 2 },
        fields: [
          { field: 'environment.API_KEY', change: 'changed' },
          { field: 'environment.NEW_KEY', change: 'added' },
          { field: 'limits.memory', change: 'changed', from: '32 MiB', to: '48 MiB' },
        ],
      },
    ]);
    const cli = await spin(['diff', f.project]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`${f.project}: ${one.slice(0, 12)} -> ${two.slice(0, 12)}`);
    expect(cli.stdout).toMatch(/^ {2}web: recreate$/m);
    expect(cli.stdout).toMatch(/^ {4}environment\.API_KEY changed$/m);
    expect(cli.stdout).toMatch(/^ {4}environment\.NEW_KEY added$/m);
    expect(cli.stdout).toMatch(/^ {4}limits\.memory 32 MiB -> 48 MiB$/m);
    const json = await spin(['diff', f.project, '--json']);
    for (const out of [res.text, cli.stdout, cli.stderr, json.stdout, f.daemon!.output()]) {
      for (const value of [SECRET_ONE, SECRET_TWO, NEW_VALUE]) expect(out).not.toContain(value);
    }
  });

  it('says no changes once the commit runs', async () => {
    await callApi(api, 'POST', `/api/v1/projects/${f.project}/resume`, { token: WRITE, body: {} });
    await f.waitStatus(
      (s) => s.appliedCommit === two && s.health === 'Healthy',
      'second commit healthy',
      90_000,
    );
    const res = await waitFor(
      () => callApi<DiffPreview>(api, 'GET', `/api/v1/projects/${f.project}/diff`, { token: READ }),
      { until: (r) => r.status === 200 && r.body.running.length === 1 && r.body.running[0] === two },
    );
    expect(res.body.services.map((s) => s.change)).toEqual(['none']);
    expect((await spin(['diff', f.project])).stdout).toContain('no changes');
  });
});
