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

describe("Spin's commit signing key is checked at load", () => {
  const passphrase = 'signing-pass-0931';
  beforeAll(async () => {
    const openpgp = await import('openpgp');
    const make = (withPassphrase: boolean) =>
      openpgp.generateKey({
        type: 'ecc',
        curve: 'ed25519Legacy',
        userIDs: [{ name: 'Spin', email: 'spin@example.org' }],
        ...(withPassphrase ? { passphrase } : {}),
        format: 'armored',
      });
    const [plain, locked] = await Promise.all([make(false), make(true)]);
    await writeFile(path.join(dir, 'spin.asc'), plain.privateKey);
    await writeFile(path.join(dir, 'spin.pub.asc'), plain.publicKey);
    await writeFile(path.join(dir, 'locked.asc'), locked.privateKey);
    await writeFile(path.join(dir, 'right.pass'), `${passphrase}\n`);
    await writeFile(path.join(dir, 'wrong.pass'), 'nope\n');
  }, 30_000);

  it('accepts a readable key, a protected one with its passphrase file, or one whose passphrase is a secret', async () => {
    for (const signing of [
      '{ keyFile: spin.asc }',
      '{ keyFile: locked.asc, passphraseFile: right.pass }',
      '{ keyFile: locked.asc, passphraseSecret: signing-pass }',
    ]) {
      const result = await load(`commitSigning: ${signing}\n`);
      expect(result.ok ? 'ok' : result.diagnostics).toBe('ok');
    }
  });

  it('refuses a missing key, a public key, a wrong or missing passphrase, naming the setting', async () => {
    const messages = async (yaml: string) => {
      const result = await load(yaml);
      return result.ok ? [] : result.diagnostics.map((d) => `${d.rule} ${d.message}`);
    };
    expect(await messages('commitSigning: { keyFile: missing.asc }\n')).toEqual([
      expect.stringMatching(/^config\.file commitSigning\.keyFile: cannot read .*missing\.asc.*ENOENT/),
    ]);
    expect(await messages('    commitSigning: { keyFile: spin.pub.asc }\n')).toEqual([
      expect.stringMatching(
        /^config\.commitSigning gw\.commitSigning\.keyFile .*: not an armored OpenPGP private key/,
      ),
    ]);
    const wrong = await messages('commitSigning: { keyFile: locked.asc, passphraseFile: wrong.pass }\n');
    expect(wrong).toEqual([expect.stringContaining('the passphrase does not unlock the key')]);
    expect(await messages('commitSigning: { keyFile: locked.asc }\n')).toEqual([
      expect.stringContaining('protected by a passphrase'),
    ]);
    expect(wrong.join('\n')).not.toContain(passphrase);
  });
});
