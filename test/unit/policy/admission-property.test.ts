/**
 * Property: for random stacks built from allowed and forbidden fragments (and random edits of a
 * good request body), whenever the rendered request breaks the policy by a simple, independent
 * oracle over the request, the last gate refuses it. Seeded, so a failure reproduces.
 */
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderProjectRequests } from '../../../src/drivers/docker/render-project.js';
import { admitContainer, admitProject, admitVolume } from '../../../src/policy/admission/index.js';
import { applyPolicyDefaults, BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';
import { loadStack } from '../../../src/stack/load.js';

/** mulberry32: a tiny seeded generator, enough to pick fragments. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

const policy = BUILTIN_DEFAULT_POLICY;
const SPIN_ROOT = '/spin-checkout/pp/c0ffee';
const ctx = {
  policy,
  project: 'pp',
  containers: new Map([
    ['pp_app_1', 'app'],
    ['pp_db_1', 'db'],
  ]),
  spinRoots: [SPIN_ROOT],
};
const MiB = 1024 * 1024;

// ---- the oracle: written from the policy's words, not from the gate's code
type Body = Record<string, unknown> & { HostConfig?: Record<string, unknown> };
const ALLOWED_CAPS = new Set([
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'KILL',
  'SETGID',
  'SETUID',
  'NET_BIND_SERVICE',
]);
const ULIMIT_MAX: Record<string, number> = {
  nofile: 1048576,
  nproc: 65536,
  core: 0,
  stack: 67108864,
  memlock: 8388608,
};
const TMPFS_OPTS =
  /^(size=\d+[kmg]?|mode=[0-7]{3,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kmg]?|noexec|nosuid|nodev)$/;

function containerBreaksPolicy(body: Body): string | undefined {
  const hc = body.HostConfig ?? {};
  const mem = hc.Memory;
  if (typeof mem !== 'number' || mem < 6 * MiB || mem > 16 * 1024 * MiB) return 'memory';
  const cpu = hc.NanoCpus;
  if (typeof cpu !== 'number' || cpu < 1e7 || cpu > 8e9) return 'cpus';
  const pids = hc.PidsLimit;
  if (typeof pids !== 'number' || pids < 1 || pids > 4096) return 'pids';
  if (hc.Privileged === true) return 'privileged';
  for (const c of (hc.CapAdd as string[] | undefined) ?? [])
    if (!ALLOWED_CAPS.has(c.toUpperCase().replace(/^CAP_/, ''))) return 'cap';
  if (!((hc.CapDrop as string[] | undefined) ?? []).some((c) => c.toUpperCase() === 'ALL')) return 'cap-drop';
  for (const m of (hc.Mounts as Record<string, unknown>[] | undefined) ?? []) {
    if (m.Type === 'bind') {
      const src = String(m.Source);
      if (!src.startsWith(`${SPIN_ROOT}/`) || src.includes('..') || m.ReadOnly !== true) return 'bind';
      const prop = (m.BindOptions as { Propagation?: string } | undefined)?.Propagation;
      if (prop !== undefined && !['private', 'rprivate', 'slave', 'rslave'].includes(prop))
        return 'propagation';
    }
  }
  const log = hc.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined;
  if (!log || !['json-file', 'local'].includes(String(log.Type))) return 'log-driver';
  if (Object.keys(log.Config ?? {}).some((k) => !['max-size', 'max-file', 'compress'].includes(k)))
    return 'log-opt';
  if (!log.Config?.['max-size']) return 'log-rotation';
  for (const u of (hc.Ulimits as { Name: string; Soft: number; Hard: number }[] | undefined) ?? []) {
    const max = ULIMIT_MAX[u.Name];
    if (max === undefined || u.Hard > max || u.Soft > u.Hard) return 'ulimit';
  }
  for (const list of Object.values((hc.PortBindings as Record<string, { HostPort: string }[]>) ?? {}))
    for (const b of list) if (b.HostPort !== '' && Number(b.HostPort.split('-')[0]) < 1024) return 'port';
  for (const mode of ['NetworkMode', 'PidMode', 'IpcMode'])
    if (String(hc[mode]).toLowerCase() === 'host') return 'host-ns';
  const check = body.Healthcheck as { Interval?: number; Timeout?: number; Retries?: number } | undefined;
  const interval = check?.Interval;
  if (typeof interval === 'number' && interval > 0 && interval < 1e9) return 'healthcheck';
  if (typeof interval === 'number' && interval > 600e9) return 'healthcheck-interval';
  if ((check?.Timeout ?? 0) > 60e9) return 'healthcheck-timeout';
  if ((check?.Retries ?? 0) > 100) return 'healthcheck-retries';
  const stop = body.StopTimeout;
  if (typeof stop === 'number' && (stop < 0 || stop > 60)) return 'stop-timeout';
  if (/^(SIG)?(STOP|TSTP|TTIN|TTOU)$/i.test(String(body.StopSignal ?? ''))) return 'stop-signal';
  if (/\s/.test(String(body.Hostname ?? ''))) return 'hostname';
  for (const h of (hc.ExtraHosts as string[] | undefined) ?? []) if (/\s/.test(h)) return 'extra-hosts';
  for (const [k, v] of Object.entries((body.Labels as Record<string, string>) ?? {}))
    if (
      k.toLowerCase().startsWith('spin.') &&
      ![
        'spin.managed',
        'spin.project',
        'spin.service',
        'spin.replica',
        'spin.commit',
        'spin.config-hash',
        'spin.image',
        'spin.image-digest',
      ].includes(k)
    )
      return `label ${k}=${v}`;
  return undefined;
}

function volumeBreaksPolicy(body: {
  Driver?: string;
  DriverOpts?: Record<string, string>;
}): string | undefined {
  if ((body.Driver ?? 'local') !== 'local') return 'driver';
  const opts = body.DriverOpts ?? {};
  if (Object.keys(opts).length === 0) return undefined;
  if (opts.type !== 'tmpfs' || Object.keys(opts).some((k) => !['type', 'device', 'o'].includes(k)))
    return 'type';
  if (opts.device !== undefined && opts.device !== 'tmpfs') return 'device';
  if (opts.o !== undefined && opts.o !== '' && !opts.o.split(',').every((p) => TMPFS_OPTS.test(p)))
    return 'o';
  return undefined;
}

// ---- fragments: allowed and forbidden, picked at random per service
const SERVICE_FRAGMENTS: readonly string[][] = [
  [],
  ['privileged: true'],
  ['cap_add: [CHOWN]'],
  ['cap_add: [sys_admin]'],
  ['cap_add: [CAP_NET_ADMIN]'],
  ['volumes: ["./f:/f:ro"]'],
  ['volumes: ["./f:/f:ro,rw"]'],
  ['volumes: ["./f:/f:rw,ro"]'],
  ['volumes: ["./f:/f:ro,rprivate,rshared"]'],
  ['volumes: ["/etc:/e:ro"]'],
  ['volumes: ["v:/data"]'],
  ['pids_limit: -1'],
  ['pids_limit: 200'],
  ['pids_limit: 999999'],
  ['logging: { driver: syslog }'],
  ['logging: { driver: local, options: { max-size: 5m } }'],
  ['logging: { driver: json-file, options: { max-size: 5m, tag: x } }'],
  ['logging: { driver: json-file }'],
  ['ulimits: { nofile: 4096 }'],
  ['ulimits: { rtprio: 10 }'],
  ['ulimits: { nproc: { soft: 10, hard: 9999999 } }'],
  ['ports: ["8080:80"]'],
  ['ports: ["22:22"]'],
  ['healthcheck: { test: [CMD, "true"], interval: 5ms }'],
  ['healthcheck: { test: [CMD, "true"], interval: 3s }'],
  ['network_mode: host'],
  ['ipc: host'],
  ['sysctls: { net.ipv4.tcp_syncookies: "1" }'],
  ['stop_grace_period: 30s'],
  ['stop_grace_period: 1h'],
  ['stop_signal: SIGQUIT'],
  ['stop_signal: sigstop'],
  ['healthcheck: { test: [CMD, "true"], interval: 5s, timeout: 1h }'],
  ['healthcheck: { test: [CMD, "true"], interval: 20m }'],
  ['healthcheck: { test: [CMD, "true"], retries: 5000 }'],
  ['hostname: web-1'],
  ['hostname: "a\\nb"'],
  ['extra_hosts: ["db:10.0.0.2"]'],
  ['extra_hosts: ["db:10.0.0.2\\n10.0.0.3 x"]'],
];
const LIMIT_FRAGMENTS: readonly string[][] = [
  ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0.5" } } }'],
  ['deploy: { resources: { limits: { memory: "0.5", cpus: "0.5" } } }'],
  ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0.0000000001" } } }'],
  ['mem_limit: 0', 'cpus: 0.5'],
  ['mem_limit: 8m', 'cpus: 0.05'],
  [],
];
const VOLUME_FRAGMENTS: readonly string[][] = [
  [],
  ['driver_opts: { type: tmpfs, o: "size=8m" }'],
  ['driver_opts: { type: tmpfs, o: bind, device: /etc }'],
  ['driver_opts: { type: TMPFS, o: rbind, device: / }'],
  ['driver_opts: { type: none, o: bind, device: /srv }'],
  ['driver_opts: { type: tmpfs, o: "size=1m,mode=700,nosuid" }'],
  ['driver_opts: { type: tmpfs, o: "size=1m,exec" }'],
  ['driver_opts: { type: tmpfs, device: tmpfs }'],
];

function randomStack(rnd: () => number): string {
  const service = (name: string) => {
    const lines = [
      'image: spin-test/busybox:1',
      ...(rnd() < 0.9
        ? ['user: "1000:1000"', 'cap_drop: [ALL]', 'security_opt: [no-new-privileges:true]']
        : []),
      ...pick(rnd, LIMIT_FRAGMENTS),
      ...pick(rnd, SERVICE_FRAGMENTS),
      ...(rnd() < 0.3 ? pick(rnd, SERVICE_FRAGMENTS) : []),
    ];
    // Two fragments may write the same key; keep the last, as a hand-written file would.
    const byKey = new Map(lines.map((l) => [l.split(':')[0], l]));
    return [`  ${name}:`, ...[...byKey.values()].map((l) => `    ${l}`)];
  };
  return [
    'services:',
    ...service('app'),
    ...(rnd() < 0.5 ? service('db') : []),
    'volumes:',
    '  v:',
    ...pick(rnd, VOLUME_FRAGMENTS).map((l) => `    ${l}`),
    '',
  ].join('\n');
}

describe('the last gate (property)', () => {
  it('refuses every rendered request of a random stack that breaks the policy', async () => {
    const rnd = random(20261130);
    const seen = { broken: 0, clean: 0 };
    for (let i = 0; i < 300; i++) {
      const yaml = randomStack(rnd);
      const files: Record<string, string> = { 'compose.yaml': yaml, f: 'x' };
      const reader = {
        readFile: async (p: string) => (p in files ? new TextEncoder().encode(files[p]) : undefined),
      };
      const loaded = await loadStack(reader, { project: 'pp', env: {}, dir: '' });
      if (!loaded.ok) continue;
      const model = applyPolicyDefaults(loaded.model, policy);
      const requests = renderProjectRequests({
        model,
        commit: 'c0ffee',
        hashes: {},
        resolveBindSource: (s) => (s.startsWith('/') ? s : posix.join(SPIN_ROOT, s)),
      });
      for (const c of requests.containers) {
        const broken = containerBreaksPolicy(c.body as Body);
        const refused = admitContainer(c.body, c.service, ctx).length > 0;
        if (broken) expect({ yaml, broken, refused }).toEqual({ yaml, broken, refused: true });
        seen[broken ? 'broken' : 'clean']++;
      }
      for (const v of requests.volumes) {
        const broken = volumeBreaksPolicy(v.body as { DriverOpts?: Record<string, string> });
        if (broken)
          expect({ yaml, broken, refused: admitVolume(v.body, v.key, ctx).length > 0 }).toMatchObject({
            refused: true,
          });
      }
      // The whole project as the commit gate sees it agrees with the parts.
      const anyBroken = requests.containers.some((c) => containerBreaksPolicy(c.body as Body));
      if (anyBroken) expect(admitProject(requests, ctx).length).toBeGreaterThan(0);
    }
    // The generator must reach both sides of the oracle, or the property says nothing.
    expect(seen.broken).toBeGreaterThan(0);
    expect(seen.clean).toBeGreaterThan(0);
  });

  it('refuses random edits of a good body that break the policy, including unknown keys', () => {
    const rnd = random(7);
    const good = (): Body => ({
      name: 'pp_app_1',
      Image: 'spin-test/busybox:1',
      Labels: { 'spin.project': 'pp', 'spin.service': 'app' },
      HostConfig: {
        NetworkMode: 'pp_default',
        Memory: 64 * MiB,
        NanoCpus: 5e8,
        PidsLimit: 100,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      },
    });
    const edits: [string, unknown][] = [
      ['Memory', 0],
      ['Memory', 5 * MiB],
      ['Memory', 128 * MiB],
      ['NanoCpus', 0],
      ['NanoCpus', 1e9],
      ['PidsLimit', -1],
      ['PidsLimit', 0],
      ['PidsLimit', 4096],
      ['Privileged', true],
      ['Privileged', false],
      ['CapAdd', ['SYS_ADMIN']],
      ['CapAdd', ['kill']],
      ['CapDrop', ['NET_RAW']],
      ['NetworkMode', 'host'],
      ['PidMode', 'HOST'],
      ['IpcMode', 'private'],
      ['LogConfig', { Type: 'gelf', Config: { 'gelf-address': 'udp://127.0.0.1:1' } }],
      ['LogConfig', { Type: 'local', Config: { 'max-size': '1m', 'max-file': '2' } }],
      ['LogConfig', { Type: 'json-file', Config: {} }],
      ['Ulimits', [{ Name: 'rtprio', Soft: 1, Hard: 1 }]],
      ['Ulimits', [{ Name: 'nofile', Soft: 10, Hard: 100 }]],
      ['Mounts', [{ Type: 'bind', Source: '/etc', Target: '/e', ReadOnly: true }]],
      ['Mounts', [{ Type: 'bind', Source: `${SPIN_ROOT}/f`, Target: '/f', ReadOnly: false }]],
      ['Mounts', [{ Type: 'bind', Source: `${SPIN_ROOT}/f`, Target: '/f', ReadOnly: true }]],
      ['PortBindings', { '80/tcp': [{ HostIp: '', HostPort: '80' }] }],
      ['PortBindings', { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }],
      ['Devices', [{ PathOnHost: '/dev/mem' }]],
      ['OomScoreAdj', -1000],
      ['CgroupParent', '/'],
      ['Binds', ['/:/host']],
      ['ExtraHosts', ['db:10.0.0.2']],
      ['ExtraHosts', ['db:10.0.0.2\n10.0.0.3 evil']],
    ];
    let broken = 0;
    for (let i = 0; i < 500; i++) {
      const body = good();
      const applied: string[] = [];
      for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
        const [key, value] = pick(rnd, edits);
        (body.HostConfig as Record<string, unknown>)[key] = structuredClone(value);
        applied.push(`${key}=${JSON.stringify(value)}`);
      }
      const known = new Set(
        Object.keys(good().HostConfig ?? {}).concat([
          'CapAdd',
          'Privileged',
          'PidMode',
          'IpcMode',
          'Ulimits',
          'Mounts',
          'PortBindings',
          'ExtraHosts',
        ]),
      );
      const unknownKey = Object.keys(body.HostConfig ?? {}).some((k) => !known.has(k));
      const reason = unknownKey ? 'unknown key' : containerBreaksPolicy(body);
      const refused = admitContainer(body, 'app', ctx).length > 0;
      if (reason) {
        broken++;
        expect({ applied, reason, refused }).toEqual({ applied, reason, refused: true });
      } else expect({ applied, refused }).toEqual({ applied, refused: false });
    }
    expect(broken).toBeGreaterThan(0);
  });
});
