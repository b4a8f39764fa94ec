import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execIn, waitFor } from '../helpers/docker.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin, startDaemon, writeConfig, type RunningDaemon } from '../helpers/spin-cli.js';
import type { PassRecord } from '../../src/store/types.js';
import type { BackupManifest } from '../../src/cli/backup/manifest.js';

/**
 * Backup and restore end to end: a project with a secret deploys under the real daemon (real git
 * server, real dockerd); `spin backup` runs while the daemon writes; the daemon stops; the backup
 * is restored into a FRESH stateDir and a daemon started there carries on with the same history
 * rows, the same API tokens and a secret store it can still decrypt (a new commit using the secret
 * deploys).
 */
const VALUE = `backup-secret-${randomBytes(8).toString('hex')}`;

const stack = (mark: string) => `services:
  app:
    image: spin-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
    secrets: [db]
${HARDENING}secrets:
  db: {}
`;

let f: ProjectFixture;
let restored: RunningDaemon | undefined;
let backupDir: string;
let freshConfig: string;
let freshState: string;
let tokenId: string;
let token: string;

const history = async (apiUrl: string): Promise<PassRecord[]> => {
  // Once a token is issued the API wants one: the restored daemon accepting it shows it came back.
  const r = await runSpin([
    'history',
    f.project,
    '--server',
    apiUrl,
    '--limit',
    '100',
    '--json',
    '--token',
    token,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { passes: PassRecord[] }).passes;
};
const secretInContainer = async () => (await execIn(`${f.project}_app_1`, ['cat', '/run/secrets/db'])).stdout;

beforeAll(async () => {
  f = await projectFixture('backup', { pollInterval: '500ms' });
  // Secret files for the containers go to the test's own temporary folder.
  await f.writeConfig({ ...f.config, secrets: { runtimeDir: path.join(f.tmp, 'run') } });
  backupDir = path.join(f.tmp, 'backups', 'first');
  freshState = path.join(f.tmp, 'fresh-state');
  freshConfig = path.join(f.tmp, 'fresh.yaml');
}, 60_000);

afterAll(async () => {
  await restored?.stop().catch(() => {});
  await f?.cleanup();
});

describe('spin backup and spin restore', () => {
  it('backs up a running daemon: history database, secret store and key, a manifest, private modes', async () => {
    const set = await runSpin(['secret', 'set', f.project, 'db', '--config', f.configFile], { input: VALUE });
    expect(set.code, set.stderr).toBe(0);
    const sha = await f.push({ 'compose.yaml': stack('one') }, 'a stack with a secret');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      'the first commit deployed',
      60_000,
    );
    expect(await secretInContainer()).toBe(VALUE);

    const created = await runSpin([
      'token',
      'create',
      '--config',
      f.configFile,
      '--project',
      f.project,
      '--role',
      'operate',
      '--name',
      'ci',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    ({ id: tokenId, token } = JSON.parse(created.stdout) as { id: string; token: string });

    const result = await runSpin(['backup', backupDir, '--config', f.configFile, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as BackupManifest;
    expect(manifest.format).toBe('spin-backup/1');
    expect(manifest.schemaVersion).toBeGreaterThanOrEqual(2);
    expect(manifest.key).toEqual({ kind: 'stateDir' });
    expect(manifest.files.map((x) => x.path)).toEqual(
      expect.arrayContaining([
        'spin.db',
        'secrets/master.key',
        `secrets/${f.project}.json`,
        'access/tokens.json',
      ]),
    );
    expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
    for (const file of [...manifest.files.map((x) => x.path), 'manifest.json']) {
      expect((await stat(path.join(backupDir, file))).mode & 0o777, file).toBe(0o600);
    }
    // The manifest is about the backup, never its secrets.
    expect(await readFile(path.join(backupDir, 'manifest.json'), 'utf8')).not.toContain(VALUE);
    // A second backup into the same folder is refused rather than mixed in.
    expect((await runSpin(['backup', backupDir, '--config', f.configFile])).code).toBe(2);
  }, 120_000);

  it('refuses to restore over the stateDir of a running daemon', async () => {
    const r = await runSpin(['restore', backupDir, '--config', f.configFile, '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a Spin daemon \(pid \d+, .*daemon\.pid\) is running on .*; stop it first/);
  });

  it('restores into a fresh stateDir: the same history rows, and the secret still decrypts', async () => {
    const daemon = f.daemon as RunningDaemon;
    // The backup's rows are a prefix of what the daemon recorded until it stopped.
    const before = await history(daemon.apiUrl);
    expect(before.length).toBeGreaterThan(0);
    expect(await daemon.stop()).toBe(0);
    f.daemon = undefined;

    const r = await runSpin(['restore', backupDir, '--state-dir', freshState]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restored \d+ files from the backup of .* into /);
    const again = await runSpin(['restore', backupDir, '--state-dir', freshState]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds state .*--force/);

    // The per-project API tokens came back too (hashes only: the token itself was never stored).
    await writeConfig(freshConfig, { ...f.config, stateDir: freshState });
    const tokens = await runSpin(['token', 'ls', '--config', freshConfig, '--json']);
    expect(tokens.code, tokens.stderr).toBe(0);
    expect((JSON.parse(tokens.stdout) as { id: string; name?: string }[]).map((t) => [t.id, t.name])).toEqual(
      [[tokenId, 'ci']],
    );

    restored = await startDaemon(freshConfig);
    const after = await history(restored.apiUrl);
    const backedUp = before.filter((p) => after.some((q) => q.id === p.id));
    expect(backedUp.length).toBeGreaterThan(0);
    for (const pass of backedUp) expect(after.find((q) => q.id === pass.id)).toEqual(pass);
    // The oldest pass (the first deploy) was certainly in the backup.
    expect(after.find((q) => q.id === before[before.length - 1]?.id)).toEqual(before[before.length - 1]);

    // A new commit using the secret deploys from the restored store (decrypted with the restored key).
    const sha = await f.push({ 'compose.yaml': stack('two') }, 'a new commit after the restore');
    const status = async () => {
      const out = await runSpin(['status', '--config', freshConfig, '--json']);
      return (
        JSON.parse(out.stdout) as { project: string; appliedCommit?: string; sync: string; health: string }[]
      ).find((s) => s.project === f.project);
    };
    await waitFor(status, {
      until: (s) => s?.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      timeoutMs: 90_000,
      intervalMs: 500,
      description: 'the new commit deployed by the restored daemon',
    });
    expect(await secretInContainer()).toBe(VALUE);
    expect(restored.output()).not.toContain(VALUE);
  }, 180_000);

  it('restores with --force over a stateDir that has data', async () => {
    await restored?.stop();
    restored = undefined;
    await writeFile(path.join(freshState, 'status', 'marker.json'), '{}');
    const r = await runSpin(['restore', backupDir, '--state-dir', freshState, '--force']);
    expect(r.code, r.stderr).toBe(0);
    await expect(stat(path.join(freshState, 'status', 'marker.json'))).rejects.toThrow(/ENOENT/);
    expect((await stat(path.join(freshState, 'spin.db'))).mode & 0o777).toBe(0o600);
  }, 60_000);
});

describe('upgrades', () => {
  it('spin daemon refuses a history database from a newer Spin with one clear line and exit 2', async () => {
    const tmp = await makeTempDir('newer-db');
    try {
      const state = path.join(tmp, 'state');
      const config = await writeConfig(path.join(tmp, 'spin.yaml'), { stateDir: state, projects: [] });
      // What a newer Spin leaves: the current schema plus a migration this one does not know.
      const r0 = await runSpin(['restore', backupDir, '--state-dir', state]);
      expect(r0.code, r0.stderr).toBe(0);
      const db = new Database(path.join(state, 'spin.db'));
      db.prepare("INSERT INTO schema_migrations VALUES (99, 'from the future', 'now')").run();
      db.close();
      const r = await runSpin(['daemon', '--config', config], { timeoutMs: 30_000 });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(
        /^spin: .*spin\.db: history database is at schema version 99, newer than this Spin understands \(\d+\); run that newer Spin, or roll back by restoring the backup taken before its upgrade \(docs\/operations\.md\)$/,
      );
    } finally {
      await removeTempDir(tmp);
    }
  }, 60_000);
});
