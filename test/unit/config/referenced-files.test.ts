import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateIdentity } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/cli/load-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'spin-config-files-'));
  await writeFile(path.join(dir, 'age.txt'), `# created: test\n${await generateIdentity()}\n`);
  await writeFile(path.join(dir, 'not-age.txt'), 'hello\n');
  await writeFile(path.join(dir, 'store.key'), Buffer.alloc(32, 7).toString('base64'));
  await writeFile(path.join(dir, 'short.key'), 'c2hvcnQ=');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string) {
  const file = path.join(dir, 'spin.yaml');
  await writeFile(file, `projects:\n  - name: gw\n    repo: http://127.0.0.1:1/gw.git\n${yaml}`);
  return loadConfigFile(file);
}

describe('secret keys named by the config are checked at load', () => {
  it('accepts readable age identities (daemon-wide and per project) and a 32-byte store key', async () => {
    const result = await load(
      `    secrets: { ageIdentityFile: age.txt }\nsecrets:\n  ageIdentityFile: age.txt\n  keyFile: store.key\n`,
    );
    expect(result.ok ? 'ok' : result.diagnostics).toBe('ok');
  });

  it('refuses a missing or malformed identity file and a bad store key, naming the setting', async () => {
    const result = await load(
      `    secrets: { ageIdentityFile: missing.txt }\nsecrets:\n  ageIdentityFile: not-age.txt\n  keyFile: short.key\n`,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.diagnostics.map((d) => `${d.rule} ${d.message}`);
    expect(messages).toEqual([
      expect.stringMatching(
        /^config\.secrets secrets\.ageIdentityFile: .*not-age\.txt:1: not an age identity/,
      ),
      expect.stringMatching(
        /^config\.secrets gw\.secrets\.ageIdentityFile: cannot read .*missing\.txt.*ENOENT/,
      ),
      expect.stringMatching(/^config\.secrets secrets\.keyFile: /),
    ]);
    // Nothing of the files' content is echoed.
    expect(messages.join('\n')).not.toContain('hello');
  });
});
