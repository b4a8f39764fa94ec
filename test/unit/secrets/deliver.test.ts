import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretsSettings } from '../../../src/config/types.js';
import { resolvePolicy } from '../../../src/policy/index.js';
import { loadDesired, type DesiredResult } from '../../../src/reconciler/desired.js';
import { dockerRules } from '../../../src/drivers/docker/rules.js';
import { gateCommit, type GateVerdict } from '../../../src/reconciler/gate.js';
import { deliverSecrets, type DeliveryContext } from '../../../src/secrets/deliver.js';
import { SecretStore, loadStoreKey } from '../../../src/secrets/store.js';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import type { FileReader } from '../../../src/stack/source.js';
import { silentLogger } from '../../../src/util/logger.js';
import { writeFile } from 'node:fs/promises';

const HARDENED = `
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }`;

const STACK = `
services:
  api:
    image: app:1
    user: "1000:1000"
    secrets: [db, { source: tls, target: certs/tls.key, mode: 0440 }]
    configs: [app.ini]${HARDENED}
  worker:
    image: app:1
    secrets: [tls]${HARDENED}
  web:
    image: app:1
    configs: [{ source: motd, target: /etc/motd }]${HARDENED}
secrets:
  db: {}
  tls: { file: ./tls.age }
configs:
  app.ini: { file: ./app.ini }
  motd: { content: "hello" }
`;

const PLANTED = `planted-${randomBytes(8).toString('hex')}`;

let stateDir: string;
let runtimeDir: string;
let tree: Record<string, string | Uint8Array>;
let settings: SecretsSettings;
let recipient: string;

const policy = (() => {
  const p = resolvePolicy(undefined, {});
  if (!p.ok) throw new Error(p.error);
  return p.policy;
})();

function reader(): FileReader {
  return {
    readFile: async (file) => {
      const content = Object.prototype.hasOwnProperty.call(tree, file) ? tree[file] : undefined;
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
  };
}

function ctx(): DeliveryContext {
  return {
    project: { name: 'gw', path: '', secrets: settings },
    source: { readerAt: () => reader() },
    stateDir,
    log: silentLogger(),
  };
}

async function gate(): Promise<DesiredResult> {
  return loadDesired(reader(), 'c1', {
    project: 'gw',
    env: {},
    stackDir: '',
    policy,
    engine: dockerRules,
  });
}

/** The commit gate with delivery, as a pass runs it: the digests end up in the hashes. */
async function deliver(gated?: DesiredResult): Promise<GateVerdict> {
  const loaded = gated ?? (await gate());
  return gateCommit('c1', {
    load: async () => loaded,
    secrets: (commit, admitted) => deliverSecrets(ctx(), commit, admitted),
  });
}

async function ok<T extends DesiredResult | GateVerdict>(result: T): Promise<Extract<T, { ok: true }>> {
  if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result as Extract<T, { ok: true }>;
}

async function encrypt(text: string, to = recipient): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(to);
  return armor.encode(await e.encrypt(text));
}

async function store(): Promise<SecretStore> {
  const key = await loadStoreKey({ stateDir, env: {} });
  return new SecretStore(stateDir, key.key);
}

const fileAt = (service: string, kind: string, name: string) =>
  path.join(runtimeDir, 'gw', service, kind, name);
const owner = async (file: string) => {
  const s = await stat(file);
  return `${s.uid}:${s.gid} ${(s.mode & 0o777).toString(8)}`;
};

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'spin-deliver-state-'));
  runtimeDir = path.join(await mkdtemp(path.join(tmpdir(), 'spin-deliver-run-')), 'run');
  const identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  const identityFile = path.join(stateDir, '..', `${path.basename(stateDir)}.age-key`);
  await writeFile(identityFile, `${identity}\n`, { mode: 0o600 });
  settings = {
    stateDir,
    keyEnv: 'SPIN_SECRET_KEY',
    keyEnvExplicit: false,
    runtimeDir,
    ageIdentityFile: identityFile,
  };
  tree = { 'compose.yaml': STACK, 'app.ini': '[app]\n', 'tls.age': await encrypt('tls-key-material') };
  delete process.env.SPIN_SECRET_KEY;
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
  await rm(path.dirname(runtimeDir), { recursive: true, force: true });
  await rm(settings.ageIdentityFile ?? '', { force: true });
});

describe('deliverSecrets', () => {
  it('for an engine that stores them (Swarm): the contents and keyed digests, no file, the model as is', async () => {
    await (await store()).set('gw', 'db', Buffer.from(PLANTED));
    const gated = await ok(await gate());
    const result = await ok(
      await gateCommit('c1', {
        load: async () => gated,
        secrets: (commit, admitted) => deliverSecrets(ctx(), commit, admitted, { objects: true }),
      }),
    );
    await expect(stat(path.join(runtimeDir, 'gw'))).rejects.toThrow();
    expect(result.desired.model).toBe(gated.desired.model);
    const contents = result.desired.contents;
    expect(Buffer.from(contents?.value('secret', 'db') ?? []).toString()).toBe(PLANTED);
    expect(Buffer.from(contents?.value('secret', 'tls') ?? []).toString()).toBe('tls-key-material');
    expect(Buffer.from(contents?.value('config', 'motd') ?? []).toString()).toBe('hello');
    // A secret's digest is the store's HMAC under the daemon's key, not a hash of the value alone.
    const digest = contents?.digest('secret', 'db') ?? '';
    expect(digest).toBe((await store()).digest('gw', 'db', Buffer.from(PLANTED)));
    expect(digest).not.toBe(createHash('sha256').update(PLANTED).digest('hex'));
    expect(JSON.stringify(result)).not.toContain(PLANTED);
    expect(JSON.stringify(result)).not.toContain('tls-key-material');
    expect(result.desired.hashes.api).not.toBe(gated.desired.hashes.api);
  });

  it('refuses the whole stack while a secret has no value, creating nothing', async () => {
    const result = await deliver();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "compose.yaml:24:7: secrets.missing: secret 'db' has no value in Spin's secret store; set it with `spin secret set gw db` (nothing is deployed until every secret the stack uses has a value)",
    ]);
    await expect(stat(runtimeDir)).rejects.toThrow();
    await expect(stat(path.join(stateDir, 'secrets', 'master.key'))).rejects.toThrow();
  });

  it('writes each file with its owner and mode, and binds it read-only at its target', async () => {
    await (await store()).set('gw', 'db', Buffer.from(PLANTED));
    const gated = await ok(await gate());
    const result = await ok(await deliver(gated));
    expect(await readFile(fileAt('api', 'secrets', 'db'), 'utf8')).toBe(PLANTED);
    expect(await owner(fileAt('api', 'secrets', 'db'))).toBe('1000:1000 400');
    expect(await owner(fileAt('api', 'secrets', 'certs%2Ftls.key'))).toBe('1000:1000 440');
    expect(await readFile(fileAt('api', 'secrets', 'certs%2Ftls.key'), 'utf8')).toBe('tls-key-material');
    expect(await owner(fileAt('worker', 'secrets', 'tls'))).toBe('0:0 400');
    expect(await owner(fileAt('api', 'configs', 'app.ini'))).toBe('1000:1000 444');
    expect(await readFile(fileAt('web', 'configs', 'etc%2Fmotd'), 'utf8')).toBe('hello');
    expect(await owner(path.join(runtimeDir, 'gw'))).toBe('0:0 700');

    const api = result.desired.model.services.api;
    expect(api?.mounts).toEqual([
      {
        type: 'bind',
        source: fileAt('api', 'secrets', 'certs%2Ftls.key'),
        target: '/run/secrets/certs/tls.key',
        readOnly: true,
      },
      { type: 'bind', source: fileAt('api', 'secrets', 'db'), target: '/run/secrets/db', readOnly: true },
      { type: 'bind', source: fileAt('api', 'configs', 'app.ini'), target: '/app.ini', readOnly: true },
    ]);
    // The cached (printable) model is untouched, and nothing in the engine's state holds a value.
    expect(gated.desired.model.services.api?.mounts).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(PLANTED);
    expect(JSON.stringify(result)).not.toContain('tls-key-material');
    for (const service of ['api', 'worker']) {
      expect(result.desired.hashes[service]).not.toBe(gated.desired.hashes[service]);
    }
    expect(result.desired.hashes.web).toBe(gated.desired.hashes.web);
  });

  it('is idempotent, repairs deleted files, and follows a rotation to exactly its users', async () => {
    const s = await store();
    await s.set('gw', 'db', Buffer.from(PLANTED));
    const first = await ok(await deliver());
    const dbFile = fileAt('api', 'secrets', 'db');
    const inode = (await stat(dbFile)).ino;
    const again = await ok(await deliver());
    expect((await stat(dbFile)).ino).toBe(inode);
    expect(again.desired.hashes).toEqual(first.desired.hashes);

    await rm(path.join(runtimeDir, 'gw'), { recursive: true });
    await ok(await deliver());
    expect(await readFile(dbFile, 'utf8')).toBe(PLANTED);

    await s.set('gw', 'db', Buffer.from(`${PLANTED}-rotated`));
    const rotated = await ok(await deliver());
    expect(rotated.desired.hashes.api).not.toBe(first.desired.hashes.api);
    expect(rotated.desired.hashes.worker).toBe(first.desired.hashes.worker);
    expect(rotated.desired.hashes.web).toBe(first.desired.hashes.web);
    expect(await readFile(dbFile, 'utf8')).toBe(`${PLANTED}-rotated`);
  });

  it('follows a changed config file to exactly its users', async () => {
    await (await store()).set('gw', 'db', Buffer.from(PLANTED));
    const first = await ok(await deliver());
    tree['app.ini'] = '[app]\nchanged = 1\n';
    const changed = await ok(await deliver());
    expect(changed.desired.hashes.api).not.toBe(first.desired.hashes.api);
    expect(changed.desired.hashes.worker).toBe(first.desired.hashes.worker);
    expect(await readFile(fileAt('api', 'configs', 'app.ini'), 'utf8')).toBe('[app]\nchanged = 1\n');
  });

  it('refuses an age file for another key, saying which, and changes nothing', async () => {
    await (await store()).set('gw', 'db', Buffer.from(PLANTED));
    await ok(await deliver());
    const before = await readFile(fileAt('worker', 'secrets', 'tls'), 'utf8');
    const stranger = await identityToRecipient(await generateX25519Identity());
    tree['tls.age'] = await encrypt('new-tls', stranger);
    const result = await deliver();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `compose.yaml:25:16: secrets.decrypt: cannot decrypt tls.age: no identity matches (encrypt it to this daemon's recipient ${recipient})`,
    ]);
    expect(await readFile(fileAt('worker', 'secrets', 'tls'), 'utf8')).toBe(before);
  });

  it('removes files of services and targets the stack no longer uses', async () => {
    await (await store()).set('gw', 'db', Buffer.from(PLANTED));
    await ok(await deliver());
    tree['compose.yaml'] = STACK.replace('    secrets: [tls]\n', '');
    await ok(await deliver());
    expect(await readdir(path.join(runtimeDir, 'gw'))).toEqual(['api', 'web']);
    tree['compose.yaml'] = 'services:\n  web:\n    image: app:1' + HARDENED + '\n';
    const plain = await ok(await deliver());
    expect(plain.desired.model.services.web?.mounts).toEqual([]);
    await expect(stat(path.join(runtimeDir, 'gw'))).rejects.toThrow();
  });
});
