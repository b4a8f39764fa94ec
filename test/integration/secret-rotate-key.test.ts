import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';
import { decodeKey, SecretStore } from '../../src/secrets/store.js';

/**
 * `spin secret rotate-key` through the real CLI (bin/spin over dist/): values set with `spin
 * secret set` are still there under the new key, the old key opens none of them, and no value is
 * ever printed. The crash-at-each-step cases are in test/unit/secrets/rotate-key.test.ts.
 */
const PLANTED = `planted-${randomBytes(12).toString('hex')}`;
const VALUES = { db: `${PLANTED}-db`, 'api-key': `${PLANTED}-api` };

let f: ProjectFixture;
const keyFile = () => path.join(f.config.stateDir, 'secrets', 'master.key');
const readKey = async () => decodeKey(await readFile(keyFile()), 'master.key');

beforeAll(async () => {
  f = await projectFixture('rotate-key');
}, 60_000);
afterAll(() => f?.cleanup());

describe('spin secret rotate-key', () => {
  it('re-encrypts the store under a new key; ls and the values survive, the old key opens nothing', async () => {
    for (const [name, value] of Object.entries(VALUES)) {
      const set = await runSpin(['secret', 'set', f.project, name, '--config', f.configFile], {
        input: value,
      });
      expect(set.code, set.stderr).toBe(0);
    }
    const oldKey = await readKey();
    const before = await runSpin(['secret', 'ls', f.project, '--config', f.configFile, '--json']);

    const rotate = await runSpin(['secret', 'rotate-key', '--config', f.configFile]);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/re-encrypted 2 secret\(s\) of 1 project\(s\) under a new key/);
    expect(rotate.stdout + rotate.stderr).not.toContain(PLANTED);

    const newKey = await readKey();
    expect(newKey.equals(oldKey)).toBe(false);
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
    expect((await readdir(f.config.stateDir)).filter((n) => n.startsWith('secrets'))).toEqual(['secrets']);

    const after = await runSpin(['secret', 'ls', f.project, '--config', f.configFile, '--json']);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));

    const current = new SecretStore(f.config.stateDir, newKey);
    for (const [name, value] of Object.entries(VALUES)) {
      expect((await current.get(f.project, name))?.toString()).toBe(value);
    }
    await expect(new SecretStore(f.config.stateDir, oldKey).get(f.project, 'db')).rejects.toThrow(
      /cannot be decrypted/,
    );

    // The store still takes new values under the new key.
    const set = await runSpin(['secret', 'set', f.project, 'late', '--config', f.configFile], { input: 'x' });
    expect(set.code, set.stderr).toBe(0);
    expect((await current.get(f.project, 'late'))?.toString()).toBe('x');
  });

  it('refuses a key it does not own (from the environment) and leaves the store as it was', async () => {
    const envKey = randomBytes(32).toString('base64');
    const rotate = await runSpin(['secret', 'rotate-key', '--config', f.configFile], {
      env: { SPIN_SECRET_KEY: envKey },
    });
    expect(rotate.code).not.toBe(0);
    expect(rotate.stderr).toMatch(/comes from \$SPIN_SECRET_KEY, which Spin does not manage/);
    expect(rotate.stderr).not.toContain(envKey);
    expect((await new SecretStore(f.config.stateDir, await readKey()).get(f.project, 'db'))?.toString()).toBe(
      VALUES.db,
    );
  });
});
