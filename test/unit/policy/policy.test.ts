import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_DEFAULT_POLICY,
  BUILTIN_DEFAULT_POLICY_NAME,
  checkPolicy,
  loadPolicyFile,
  resolvePolicy,
  RULES,
  validatePolicyObject,
} from '../../../src/policy/index.js';
import { stackInput } from './helpers.js';

describe('spin-default', () => {
  it('has the documented defaults', () => {
    const p = BUILTIN_DEFAULT_POLICY;
    expect(BUILTIN_DEFAULT_POLICY_NAME).toBe('spin-default');
    expect(p.images.registries).toEqual(['*']);
    expect(p.network).toMatchObject({ portRanges: ['1024-65535'], hostIps: ['*'] });
    expect(p.resources).toMatchObject({
      maxMemoryPerService: '16GiB',
      maxCpusPerService: 8,
      maxReplicasPerService: 20,
      maxProjectMemory: '64GiB',
    });
    expect(p.mounts.allowedRoots).toEqual([]);
    expect(p.isolation).toMatchObject({ externalNetworks: [], externalVolumes: [] });
    expect(p.privilege.allowedCapabilities).toEqual([
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'KILL',
      'SETGID',
      'SETUID',
      'NET_BIND_SERVICE',
    ]);
    expect(Object.isFrozen(p.privilege.allowedCapabilities)).toBe(true);
  });

  it('accepts a stack that follows every rule', () => {
    const input = stackInput(`
      services:
        web:
          image: registry.example.org/lab/web:1.4.2
          cap_drop: [ALL]
          security_opt: [no-new-privileges:true]
          deploy:
            resources:
              limits: { memory: 512m, cpus: "0.5" }
          ports: ["8080:80"]
          volumes: ["./conf:/etc/app:ro", "data:/data"]
          cap_add: [NET_BIND_SERVICE]
          labels: { org.example.role: web }
      volumes:
        data: {}
    `);
    const resolved = resolvePolicy(undefined, {});
    expect(resolved.ok && checkPolicy(input, resolved.policy)).toEqual([]);
  });

  it('reports every violation, located, in FILE:LINE:COL order', () => {
    const input = stackInput(`
      services:
        web:
          image: nginx:latest
          privileged: true
          ports: ["80:80"]
          volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    `);
    const resolved = resolvePolicy(undefined, {});
    const found = resolved.ok ? checkPolicy(input, resolved.policy) : [];
    expect(found.map((d) => `${d.file}:${d.line}:${d.column}: ${d.rule}`)).toEqual([
      'compose.yaml:3:5: privilege.cap-drop-all',
      'compose.yaml:3:5: privilege.no-new-privileges',
      'compose.yaml:3:5: resources.limits-required',
      'compose.yaml:3:12: image.latest',
      'compose.yaml:4:17: privilege.privileged',
      'compose.yaml:5:13: ports.privileged',
      'compose.yaml:6:15: mounts.docker-socket',
    ]);
  });
});

describe('resolvePolicy', () => {
  const policies = {
    base: { mounts: { allowedRoots: ['/global/cfs/cdirs/{project}'] }, network: { hostIps: ['127.0.0.1'] } },
    strict: {
      extends: 'base',
      images: { registries: ['registry.nersc.gov'] },
      network: { portRanges: ['8000-8999'] },
    },
  };

  it('merges the extends chain over spin-default; objects merge, lists replace', () => {
    const r = resolvePolicy('strict', policies);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.name).toBe('strict');
    expect(r.policy.chain).toEqual(['strict', 'base', 'spin-default']);
    expect(r.policy.mounts.allowedRoots).toEqual(['/global/cfs/cdirs/{project}']);
    expect(r.policy.mounts.requireReadOnlyRepositoryFiles).toBe(true);
    expect(r.policy.network).toEqual({ enabled: true, portRanges: ['8000-8999'], hostIps: ['127.0.0.1'] });
    expect(r.policy.images.registries).toEqual(['registry.nersc.gov']);
    expect(r.policy.resources.maxCpusPerService).toBe(8);
  });

  it('uses spin-default when no name is given, and treats an empty policy as spin-default', () => {
    const none = resolvePolicy(undefined, {});
    const empty = resolvePolicy('default', { default: null });
    expect(none.ok && none.policy.chain).toEqual(['spin-default']);
    expect(empty.ok && empty.policy.privilege).toEqual(BUILTIN_DEFAULT_POLICY.privilege);
  });

  it('refuses unknown names, cycles, invalid policies and a redefined spin-default', () => {
    expect(resolvePolicy('nope', policies)).toEqual({
      ok: false,
      error: expect.stringContaining('unknown policy "nope"'),
    });
    expect(resolvePolicy('a', { a: { extends: 'missing' } })).toEqual({
      ok: false,
      error: expect.stringContaining('extends unknown policy "missing"'),
    });
    expect(resolvePolicy('a', { a: { extends: 'b' }, b: { extends: 'a' } })).toEqual({
      ok: false,
      error: expect.stringContaining('extends cycle: a -> b -> a'),
    });
    expect(resolvePolicy('a', { a: { images: { allowLatst: true } } })).toEqual({
      ok: false,
      error: expect.stringContaining('unknown setting "allowLatst"'),
    });
    expect(resolvePolicy(undefined, { 'spin-default': {} }).ok).toBe(false);
  });

  it('never lets a policy change the built-in default', () => {
    resolvePolicy('a', { a: { privilege: { allowedCapabilities: ['SYS_ADMIN'] } } });
    expect(BUILTIN_DEFAULT_POLICY.privilege.allowedCapabilities).not.toContain('SYS_ADMIN');
  });
});

describe('validatePolicyObject', () => {
  it('accepts every documented setting', () => {
    const { name: _n, chain: _c, ...settings } = BUILTIN_DEFAULT_POLICY;
    expect(
      validatePolicyObject({ extends: 'spin-default', description: 'x', ...settings }, 'p.yaml'),
    ).toEqual([]);
  });

  it('reports unknown settings, wrong types and bad ranges with their path', () => {
    const found = validatePolicyObject(
      {
        privilege: { allowPriviledged: true },
        resources: { maxMemoryPerService: 'lots' },
        network: { portRanges: ['2000-1000', 'x'] },
        namespaces: { allowHost: ['mount'] },
      },
      'p.yaml',
    );
    expect(found.map((d) => `${d.path}: ${d.rule}`).sort()).toEqual([
      'namespaces.allowHost.0: policy.schema',
      'network.portRanges.1: policy.schema',
      'privilege.allowPriviledged: policy.schema',
      'resources.maxMemoryPerService: policy.schema',
    ]);
    expect(validatePolicyObject({ network: { portRanges: ['2000-1000'] } }, 'p.yaml')).toMatchObject([
      { rule: 'policy.schema', path: 'network.portRanges.0' },
    ]);
  });

  it('prefixes paths and locates them for the daemon config', () => {
    const found = validatePolicyObject({ images: 3 }, 'spin.yaml', {
      pathPrefix: ['policies', 'strict'],
      locate: (p) => ({ line: p.length, column: 7 }),
    });
    expect(found).toEqual([
      {
        file: 'spin.yaml',
        line: 3,
        column: 7,
        rule: 'policy.schema',
        message: 'must be object',
        path: 'policies.strict.images',
      },
    ]);
  });
});

describe('loadPolicyFile', () => {
  async function write(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'spin-policy-'));
    const file = join(dir, 'policy.yaml');
    await writeFile(file, text);
    return file;
  }

  it('loads and resolves a YAML policy over spin-default', async () => {
    const file = await write('images:\n  allowLatest: true\nresources:\n  maxProjectMemory: 128GiB\n');
    const r = await loadPolicyFile(file);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.images.allowLatest).toBe(true);
    expect(r.policy.resources.maxProjectMemory).toBe('128GiB');
    expect(r.policy.chain).toEqual([file, 'spin-default']);
    expect(await readFile(file, 'utf8')).toContain('allowLatest');
  });

  it('refuses schema errors at their line, named-policy extends, bad YAML and missing files', async () => {
    const bad = await loadPolicyFile(await write('images:\n  registries: ["*"]\n  allowLatst: true\n'));
    expect(bad).toMatchObject({
      ok: false,
      diagnostics: [{ rule: 'policy.schema', line: 3, path: 'images.allowLatst' }],
    });
    const ext = await loadPolicyFile(await write('extends: gateways\n'));
    expect(ext).toMatchObject({ ok: false, diagnostics: [{ rule: 'policy.extends', line: 1 }] });
    const dup = await loadPolicyFile(await write('images: {}\nimages: {}\n'));
    expect(dup).toMatchObject({ ok: false, diagnostics: [{ rule: 'yaml.duplicate-key' }] });
    const missing = await loadPolicyFile('/nonexistent/policy.yaml');
    expect(missing).toMatchObject({ ok: false, diagnostics: [{ rule: 'policy.io', line: 0 }] });
  });
});

describe('the rule registry', () => {
  it('documents every rule id in docs/policy.md', async () => {
    const doc = await readFile(join(process.cwd(), 'docs/policy.md'), 'utf8');
    const missing = RULES.filter((r) => !doc.includes(`\`${r.id}\``)).map((r) => r.id);
    expect(missing).toEqual([]);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });
});
