import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/cli/load-config.js';
import { parseConfig } from '../../../src/config/load.js';
import { ownedProjects, ownsProject, parseShardFlag, shardOf } from '../../../src/config/shard.js';

const FILE = '/etc/spin/spin.yaml';

const load = (text: string) => parseConfig(FILE, text);
const diagnostics = (text: string) => {
  const result = load(text);
  return result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.column}: ${d.rule}: ${d.message}`);
};

describe('engines in the config', () => {
  it('keeps docker.host working: one engine named default, kind docker, for every project', () => {
    const result = load('docker:\n  host: unix:///run/other.sock\nprojects:\n  - name: a\n    repo: ./a\n');
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.config.engines).toEqual({
      default: { name: 'default', kind: 'docker', host: 'unix:///run/other.sock' },
    });
    expect(result.config.defaultEngine).toBe('default');
    expect(result.config.projects[0]?.engine).toBe('default');
  });

  it('names engines, resolves TLS paths against the config file, and gives each project its engine', () => {
    const result = load(
      [
        'engines:',
        '  local: { host: unix:///var/run/docker.sock }',
        '  lab:',
        '    kind: docker',
        '    host: tcp://10.0.0.2:2376',
        '    tls: { ca: tls/ca.pem, cert: tls/cert.pem, key: /secure/key.pem }',
        'defaultEngine: local',
        'projects:',
        '  - { name: a, repo: ./a }',
        '  - { name: b, repo: ./b, engine: lab }',
        '',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.config.engines.lab).toEqual({
      name: 'lab',
      kind: 'docker',
      host: 'tcp://10.0.0.2:2376',
      tls: { caFile: '/etc/spin/tls/ca.pem', certFile: '/etc/spin/tls/cert.pem', keyFile: '/secure/key.pem' },
    });
    expect(result.config.projects.map((p) => [p.name, p.engine])).toEqual([
      ['a', 'local'],
      ['b', 'lab'],
    ]);
  });

  it('refuses plain TCP at load, located at the host, saying to add tls:', () => {
    expect(
      diagnostics('engines:\n  lab:\n    host: tcp://10.0.0.2:2375\nprojects:\n  - { name: a, repo: ./a }\n'),
    ).toEqual([
      expect.stringMatching(/^3:11: config\.engine-tls: engine 'lab' is reached over plain TCP .*add tls:/),
    ]);
    expect(diagnostics('docker:\n  host: tcp://10.0.0.2:2375\n')).toEqual([
      expect.stringMatching(/^2:9: config\.engine-tls: docker\.host 'tcp:\/\/10\.0\.0\.2:2375' is plain TCP/),
    ]);
  });

  it('refuses an address that is neither unix:// nor tcp://, and tls: on a unix socket', () => {
    expect(diagnostics('engines:\n  lab: { host: "http://x:2375" }\n')).toEqual([
      expect.stringMatching(/config\.pattern: engines\.lab\.host must match pattern/),
    ]);
    expect(
      diagnostics('engines:\n  lab:\n    host: unix:///run/d.sock\n    tls: { ca: a, cert: b, key: c }\n'),
    ).toEqual([
      expect.stringMatching(/^4:10: config\.engine-tls: engine 'lab' is a unix socket: tls: applies only/),
    ]);
  });

  it('refuses a project on an engine that is not defined, and an unnamed default among several', () => {
    const two = 'engines:\n  x: { host: unix:///x.sock }\n  y: { host: unix:///y.sock }\n';
    expect(diagnostics(`${two}projects:\n  - name: a\n    repo: ./a\n    engine: z\n`)).toEqual([
      expect.stringMatching(/^7:13: config\.engine: engine 'z' is not defined \(engines: x, y\)/),
    ]);
    expect(diagnostics(`${two}projects:\n  - name: a\n    repo: ./a\n`)).toEqual([
      expect.stringMatching(
        /config\.engine: engine: is required when several engines are defined and no defaultEngine/,
      ),
    ]);
    expect(diagnostics(`${two}defaultEngine: w\n`)).toEqual([
      expect.stringMatching(/^4:16: config\.engine: defaultEngine 'w' is not under engines:/),
    ]);
    expect(diagnostics(`${two}docker:\n  host: unix:///z.sock\n`)).toEqual([
      expect.stringMatching(/config\.engine: docker\.host and engines: both name engines/),
    ]);
  });

  it('refuses a kind it does not know, located', () => {
    expect(diagnostics('engines:\n  k8s: { kind: kubernetes, host: unix:///x.sock }\n')).toEqual([
      expect.stringMatching(/config\.enum: engines\.k8s\.kind must be equal to one of the allowed values/),
    ]);
  });
});

describe('engine TLS files are read at start, the key never shown', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-engines-'));
    await writeFile(path.join(dir, 'ca.pem'), 'CA-PEM');
    await writeFile(path.join(dir, 'cert.pem'), 'CERT-PEM');
    await writeFile(path.join(dir, 'key.pem'), 'KEY-PEM-never-printed');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads ca, cert and key; the key is a SecretText', async () => {
    const file = path.join(dir, 'spin.yaml');
    await writeFile(
      file,
      'engines:\n  lab:\n    host: tcp://127.0.0.1:2376\n    tls: { ca: ca.pem, cert: cert.pem, key: key.pem }\n',
    );
    const result = await loadConfigFile(file);
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const tls = result.config.engines.lab?.tls;
    expect(tls?.ca).toBe('CA-PEM');
    expect(tls?.cert).toBe('CERT-PEM');
    expect(tls?.key?.reveal()).toBe('KEY-PEM-never-printed');
    expect(JSON.stringify(result.config)).not.toContain('KEY-PEM');
    expect(inspect(result.config, { depth: 10 })).not.toContain('KEY-PEM');
  });

  it('a missing file stops the start, naming the engine and the key', async () => {
    const file = path.join(dir, 'missing.yaml');
    await writeFile(
      file,
      'engines:\n  lab:\n    host: tcp://127.0.0.1:2376\n    tls: { ca: ca.pem, cert: nope.pem, key: key.pem }\n',
    );
    const result = await loadConfigFile(file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/^engines\.lab\.tls\.cert: cannot read .*nope\.pem/),
    ]);
  });
});

describe('sharding', () => {
  const names = Array.from({ length: 40 }, (_, i) => `project-${i}`);

  it('gives every project to exactly one of N shards, the same one every time', () => {
    for (const count of [1, 2, 3, 7]) {
      for (const name of names) {
        const owners = Array.from({ length: count }, (_, index) => index).filter((index) =>
          ownsProject({ name, engine: 'default' }, { index, count }),
        );
        expect(owners).toEqual([shardOf(name, count)]);
      }
    }
    // Both shards of two get some of forty projects (a hash, not "all to shard 0").
    const zero = names.filter((name) => shardOf(name, 2) === 0).length;
    expect(zero).toBeGreaterThan(0);
    expect(zero).toBeLessThan(names.length);
  });

  it('narrows to the engines a daemon owns, and filters the config it runs', () => {
    const result = load(
      [
        'engines:',
        '  x: { host: unix:///x.sock }',
        '  y: { host: unix:///y.sock }',
        'defaultEngine: x',
        'shard: { engines: [y] }',
        'projects:',
        '  - { name: a, repo: ./a }',
        '  - { name: b, repo: ./b, engine: y }',
        '',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(ownedProjects(result.config).projects.map((p) => p.name)).toEqual(['b']);
    expect(ownedProjects(result.config, undefined).projects).toHaveLength(1);
    expect(ownedProjects({ ...result.config, shard: undefined }).projects).toHaveLength(2);
  });

  it('refuses a shard that cannot own anything, located', () => {
    expect(diagnostics('shard: { index: 2, count: 2 }\n')).toEqual([
      expect.stringMatching(/^1:17: config\.shard: shard\.index 2 is not below shard\.count 2/),
    ]);
    expect(diagnostics('shard: { engines: [nope] }\n')).toEqual([
      expect.stringMatching(
        /config\.shard: shard\.engines names 'nope', which is not an engine \(engines: default\)/,
      ),
    ]);
    expect(diagnostics('shard: { index: 1 }\n')).toEqual([
      expect.stringMatching(/config\.shard: shard: index and count go together/),
    ]);
  });

  it('reads --shard I/N and refuses anything else', () => {
    expect(parseShardFlag('1/2')).toEqual({ index: 1, count: 2 });
    for (const bad of ['2/2', '1', 'a/b', '0/0', '-1/2'])
      expect(parseShardFlag(bad)).toEqual({ error: expect.stringMatching(/is not I\/N/) });
  });
});
