import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, execIn, listProjectContainers, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';
import { isMemoryFilesystem } from '../../src/secrets/runtime.js';

/**
 * Secrets and configs end to end: the real `spin daemon` over a real git server and dockerd, the
 * real `spin secret` CLI. Steps build on each other. Every value that must stay secret contains
 * PLANTED, and the last step searches everything Spin writes or serves for it.
 */
const PLANTED = `planted-${randomBytes(12).toString('hex')}`;
const DB_VALUE = `${PLANTED}-db`;
const ROTATED = `${PLANTED}-db-rotated`;
const API_KEY = `${PLANTED}-api-key`;
const TLS_KEY = `${PLANTED}-tls-from-age`;

let f: ProjectFixture;
let runtimeDir: string;
let recipient: string;
/** Error messages, statuses and API answers captured while a commit was refused. */
const captured: string[] = [];

const service = (body: string) => `    image: ${BUSYBOX_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${HARDENING}${body}`;

const STACK = `
services:
  app:
${service(`    user: "1000:1000"
    secrets:
      - db
      - { source: tls, target: tls.key }
    configs: [app.conf]
`)}  side:
${service(`    secrets: [{ source: api-key, mode: 0440 }]
    configs: [{ source: motd, target: /etc/motd }]
`)}  plain:
${service('')}
secrets:
  db: {}
  api-key: {}
  tls: { file: ./secrets/tls.age }
configs:
  app.conf: { file: ./conf/app.conf }
  motd: { content: "welcome to \${SITE}" }
`;

async function encryptTo(to: string, text: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(to);
  return armor.encode(await e.encrypt(text));
}

const ids = async () =>
  Object.fromEntries((await listProjectContainers(f.project)).map((c) => [c.name, c.id]));
const name = (s: string) => `${f.project}_${s}_1`;
const sh = async (s: string, script: string) => (await execIn(name(s), ['sh', '-c', script])).stdout.trim();

async function secretSet(secret: string, input: string): Promise<{ code: number; stderr: string }> {
  return runSpin(['secret', 'set', f.project, secret, '--config', f.configFile], { input });
}

async function capture(label: string, text: string): Promise<void> {
  captured.push(`--- ${label}\n${text}`);
}

beforeAll(async () => {
  const identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  f = await projectFixture('secrets', {
    pollInterval: '500ms',
    project: { env: { SITE: 'the gateway' } },
  });
  runtimeDir = path.join(f.tmp, 'run');
  const identityFile = path.join(f.tmp, 'age-identity.txt');
  await writeFile(identityFile, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
  // The fixture wrote the config; add the top-level secrets: block.
  const config = await readFile(f.configFile, 'utf8');
  await writeFile(
    f.configFile,
    `${config}secrets:\n  ageIdentityFile: ${identityFile}\n  runtimeDir: ${runtimeDir}\n`,
  );
}, 60_000);

afterAll(() => f?.cleanup());

describe('secrets and configs on the real engine', () => {
  it('refuses a stack whose secrets have no value, and runs nothing', async () => {
    const sha = await f.push(
      {
        'compose.yaml': STACK,
        'secrets/tls.age': await encryptTo(recipient, TLS_KEY),
        'conf/app.conf': 'level = 1\n',
      },
      'stack with secrets',
    );
    await f.startDaemon();
    const status = await f.waitStatus((s) => s.refusedCommit === sha, 'missing secrets refused');
    expect(status.lastError?.reason).toBe('InvalidCommit');
    expect(status.lastError?.message).toMatch(
      /^compose\.yaml:\d+:\d+: secrets\.missing: secret 'api-key' has no value in Spin's secret store; set it with `spin secret set t-secrets-\w+ api-key`/,
    );
    expect(status.lastError?.diagnostics?.map((d) => d.message).join('\n')).toContain(
      `spin secret set ${f.project} db`,
    );
    expect(await listProjectContainers(f.project)).toEqual([]);
    await capture('status while secrets were missing', JSON.stringify(status));
  });

  it('delivers each secret as a read-only file with the right owner and mode, never in inspect', async () => {
    const first = await secretSet('db', DB_VALUE);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/created a new secret store key at .*master\.key \(mode 0600\)/);
    const keyFile = path.join(f.tmp, 'api-key.txt');
    await writeFile(keyFile, API_KEY);
    const second = await runSpin([
      'secret',
      'set',
      f.project,
      'api-key',
      '--from-file',
      keyFile,
      '--config',
      f.configFile,
    ]);
    expect(second.code).toBe(0);
    const head = await f.repo.head();
    await f.waitStatus(
      (s) => s.appliedCommit === head && s.sync === 'Synced' && s.health === 'Healthy',
      'deployed once the secrets have values',
    );

    expect(await sh('app', 'stat -c "%u:%g %a" /run/secrets/db; cat /run/secrets/db; echo; id -u')).toBe(
      `1000:1000 400\n${DB_VALUE}\n1000`,
    );
    expect(await sh('app', 'cat /run/secrets/tls.key')).toBe(TLS_KEY);
    expect(await sh('app', 'stat -c "%u:%g %a" /app.conf; cat /app.conf')).toBe('1000:1000 444\nlevel = 1');
    expect(await sh('side', 'stat -c "%u:%g %a" /run/secrets/api-key && cat /run/secrets/api-key')).toBe(
      `0:0 440\n${API_KEY}`,
    );
    expect(await sh('side', 'cat /etc/motd')).toBe('welcome to the gateway');
    // Read-only, even for root in the container.
    expect((await execIn(name('side'), ['sh', '-c', 'echo x > /run/secrets/api-key'])).exitCode).not.toBe(0);
    expect(await sh('plain', 'ls /run/secrets 2>&1 || true')).toMatch(/No such file|^$/);

    for (const c of await listProjectContainers(f.project)) {
      const info = await docker().getContainer(c.id).inspect();
      const text = JSON.stringify(info);
      expect(text).not.toContain(PLANTED);
      for (const mount of info.Mounts.filter((m) => m.Destination.startsWith('/run/secrets/'))) {
        expect(mount).toMatchObject({ Type: 'bind', RW: false });
        expect(mount.Source.startsWith(`${runtimeDir}/`)).toBe(true);
      }
    }
    const listing = await runSpin(['secret', 'ls', f.project, '--config', f.configFile, '--json']);
    expect(listing.code).toBe(0);
    expect((JSON.parse(listing.stdout) as Array<{ name: string }>).map((e) => e.name)).toEqual([
      'api-key',
      'db',
    ]);
    await capture('spin secret ls', listing.stdout + listing.stderr);
  });

  it('rotating a secret recreates exactly the services that use it', async () => {
    const before = await ids();
    expect((await secretSet('db', ROTATED)).code).toBe(0);
    await waitFor(ids, {
      until: (now) => now[name('app')] !== undefined && now[name('app')] !== before[name('app')],
      timeoutMs: 30_000,
      description: 'app recreated after the rotation',
    });
    await f.waitStatus((s) => s.sync === 'Synced' && s.health === 'Healthy', 'healthy after the rotation');
    const after = await ids();
    expect(after[name('side')]).toBe(before[name('side')]);
    expect(after[name('plain')]).toBe(before[name('plain')]);
    expect(await sh('app', 'cat /run/secrets/db')).toBe(ROTATED);
    // `spin plan` computes the same secret digests (writing nothing): nothing left to do.
    const plan = await runSpin(['plan', '--config', f.configFile, f.project, '--json']);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { actions: unknown[] }).actions).toEqual([]);
  });

  it('a config file edited in the repository (stack file unchanged) recreates its services', async () => {
    const before = await ids();
    const sha = await f.push({ 'conf/app.conf': 'level = 2\n' }, 'config only');
    await f.waitStatus(
      (s) => s.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      'config change applied',
    );
    const after = await ids();
    expect(after[name('app')]).not.toBe(before[name('app')]);
    expect(after[name('side')]).toBe(before[name('side')]);
    expect(after[name('plain')]).toBe(before[name('plain')]);
    expect(await sh('app', 'cat /app.conf')).toBe('level = 2');
  });

  it('refuses an age file encrypted to another key with a clear status, and changes nothing', async () => {
    const before = await listProjectContainers(f.project);
    const stranger = await identityToRecipient(await generateX25519Identity());
    const bad = await f.push(
      { 'secrets/tls.age': await encryptTo(stranger, `${PLANTED}-for-someone-else`) },
      'tls for the wrong key',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === bad, 'wrong age key refused');
    expect(status.lastError?.message).toMatch(
      new RegExp(
        `^compose\\.yaml:\\d+:\\d+: secrets\\.decrypt: cannot decrypt secrets/tls\\.age: no identity matches \\(encrypt it to this daemon's recipient ${recipient}\\)$`,
      ),
    );
    expect(status.sync).toBe('OutOfSync');
    expect(status.health).toBe('Healthy');
    const after = await listProjectContainers(f.project);
    expect(after.map((c) => [c.id, c.state])).toEqual(before.map((c) => [c.id, c.state]));
    expect(await sh('app', 'cat /run/secrets/tls.key')).toBe(TLS_KEY);

    await capture('status after the wrong key', JSON.stringify(status));
    await capture(
      'spin status --json',
      (await runSpin(['status', '--config', f.configFile, '--json'])).stdout,
    );
    const api = f.daemon?.apiUrl ?? '';
    await capture('GET /api/v1/projects', await (await fetch(`${api}/api/v1/projects`)).text());
    await capture(
      `GET /api/v1/projects/${f.project}`,
      await (await fetch(`${api}/api/v1/projects/${f.project}`)).text(),
    );
    const plan = await runSpin(['plan', '--config', f.configFile, f.project, '--json']);
    await capture('spin plan', plan.stdout + plan.stderr);

    // Re-encrypted to the daemon's key, the new value reaches the container.
    const fixed = await f.push(
      { 'secrets/tls.age': await encryptTo(recipient, `${TLS_KEY}-2`) },
      'tls fixed',
    );
    await f.waitStatus(
      (s) => s.appliedCommit === fixed && s.sync === 'Synced' && s.health === 'Healthy',
      'fixed tls applied',
    );
    expect(await sh('app', 'cat /run/secrets/tls.key')).toBe(`${TLS_KEY}-2`);
  });

  it('removing a secret that is in use refuses the stack; what runs keeps running', async () => {
    const before = await listProjectContainers(f.project);
    const rm = await runSpin(['secret', 'rm', f.project, 'api-key', '--config', f.configFile]);
    expect(rm.code).toBe(0);
    const status = await f.waitStatus(
      (s) => s.lastResult === 'refused' && (s.lastError?.message ?? '').includes('api-key'),
      'refused after spin secret rm',
    );
    expect(status.lastError?.message).toContain(`spin secret set ${f.project} api-key`);
    expect((await listProjectContainers(f.project)).map((c) => [c.id, c.state])).toEqual(
      before.map((c) => [c.id, c.state]),
    );
    await capture('status after spin secret rm', JSON.stringify(status));
    expect((await secretSet('api-key', API_KEY)).code).toBe(0);
    await f.waitStatus((s) => s.lastResult !== 'refused' && s.sync === 'Synced', 'accepted again');
  });

  it('spin secret answers usage errors with exit codes, and never prints a value', async () => {
    const run = (...args: string[]) => runSpin(['secret', ...args, '--config', f.configFile]);
    expect((await run('rm', f.project, 'never-set')).code).toBe(1);
    expect((await run('ls', 'no-such-project')).code).toBe(2);
    expect((await run('set', f.project, 'bad/name')).code).toBe(2);
    const empty = await runSpin(['secret', 'set', f.project, 'empty', '--config', f.configFile], {
      input: '',
    });
    expect(empty).toMatchObject({ code: 2, stderr: 'spin: the value is empty; nothing was stored\n' });
    const human = await run('ls', f.project);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^NAME +UPDATED\napi-key +\S+\ndb +\S+\n$/);
    await capture('spin secret ls (table)', human.stdout + human.stderr);
  });

  it('the planted value is nowhere: logs, state, inspect, API, statuses, spin config, errors', async () => {
    const places: Array<[string, Buffer]> = [];
    places.push(['daemon logs', Buffer.from(JSON.stringify(f.daemon?.logs ?? []))]);
    for (const file of await filesUnder(path.join(f.tmp, 'state'))) places.push([file, await readFile(file)]);
    for (const c of await listProjectContainers(f.project)) {
      places.push([
        `docker inspect ${c.name}`,
        Buffer.from(JSON.stringify(await docker().getContainer(c.id).inspect())),
      ]);
    }
    const api = f.daemon?.apiUrl ?? '';
    for (const url of ['/api/v1/projects', `/api/v1/projects/${f.project}`]) {
      places.push([`GET ${url}`, Buffer.from(await (await fetch(`${api}${url}`)).text())]);
    }
    const status = await runSpin(['status', '--config', f.configFile, '--json']);
    places.push(['spin status --json', Buffer.from(status.stdout + status.stderr)]);
    for (const args of [[], ['--json']]) {
      const config = await runSpin([
        'config',
        f.repo.dir,
        '--project',
        f.project,
        '--env',
        'SITE=x',
        ...args,
      ]);
      expect(config.code).toBe(0);
      places.push([`spin config ${args.join(' ')}`, Buffer.from(config.stdout + config.stderr)]);
    }
    const validate = await runSpin(['validate', f.repo.dir, '--env', 'SITE=x']);
    places.push(['spin validate', Buffer.from(validate.stdout + validate.stderr)]);
    places.push(['captured refusals', Buffer.from(captured.join('\n'))]);

    // The search works: the value is really in the containers and on the runtime tmpfs.
    expect(await sh('app', 'cat /run/secrets/db')).toBe(ROTATED);
    expect(path.relative(path.join(f.tmp, 'state'), runtimeDir).startsWith('..')).toBe(true);
    expect(places.length).toBeGreaterThan(8);
    expect(places.some(([, bytes]) => bytes.includes('secrets.decrypt'))).toBe(true);

    // The daemon says so when the runtime folder is not a tmpfs (it is not, under /tmp here).
    const onTmpfs = await isMemoryFilesystem(runtimeDir);
    const warned = (f.daemon?.logs ?? []).some((l) => String(l.msg).includes('not on a tmpfs'));
    expect(warned).toBe(onTmpfs === false);

    const leaks = places.filter(([, bytes]) => bytes.includes(PLANTED)).map(([where]) => where);
    expect(leaks).toEqual([]);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
