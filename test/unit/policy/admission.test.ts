/**
 * The last gate on hand-made request bodies (what a bug or a changed render could send), and the
 * driver refusing such a body before it calls the engine at all.
 */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { AdmissionError } from '../../../src/drivers/docker/admission-error.js';
import { DockerDriver } from '../../../src/drivers/docker/docker-driver.js';
import {
  admitContainer,
  admitNetwork,
  admitVolume,
  type AdmissionContext,
} from '../../../src/policy/admission/index.js';
import { BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';
import { service } from '../reconciler/fixtures.js';

const ctx: AdmissionContext = {
  policy: structuredClone(BUILTIN_DEFAULT_POLICY),
  project: 'p',
  containers: new Map([
    ['p_web_1', 'web'],
    ['p_db_1', 'db'],
  ]),
  spinRoots: ['/state/checkouts/p/c0ffee', '/run/spin/p'],
};

/** A body the default policy accepts, as containerCreateOptions renders one. */
function goodBody(): Record<string, unknown> & { HostConfig: Record<string, unknown> } {
  return {
    name: 'p_web_1',
    Image: 'spin-test/busybox:1',
    Env: [],
    Labels: { team: 'x', 'spin.managed': 'true', 'spin.project': 'p', 'spin.service': 'web' },
    User: '1000:1000',
    ExposedPorts: { '80/tcp': {} },
    Healthcheck: { Test: ['CMD', 'true'], Interval: 2e9, Timeout: 1e9, Retries: 3 },
    HostConfig: {
      NetworkMode: 'p_default',
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
      Mounts: [
        { Type: 'volume', Source: 'p_data', Target: '/data', ReadOnly: false },
        { Type: 'bind', Source: '/state/checkouts/p/c0ffee/f.conf', Target: '/f.conf', ReadOnly: true },
        { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 1000 } },
      ],
      RestartPolicy: { Name: 'unless-stopped' },
      Memory: 64 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 1024,
      CapDrop: ['ALL'],
      CapAdd: ['CHOWN'],
      SecurityOpt: ['no-new-privileges:true'],
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 65536 }],
      Tmpfs: { '/run': 'size=64m,exec' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  };
}

const rules = (body: unknown) => admitContainer(body, 'web', ctx).map((f) => `${f.rule} ${f.request}`);

describe('the last gate over a create-container body', () => {
  it('accepts what the render produces for a hardened service', () => {
    expect(rules(goodBody())).toEqual([]);
  });

  it("refuses a container name that is not this project's for this service", () => {
    const named = (name: unknown) =>
      admitContainer({ ...goodBody(), name }, 'web', ctx).filter(
        (f) => f.rule === 'isolation.container-name',
      );
    expect(named('p_web_1')).toEqual([]);
    expect(named('p_web_2-next')).toEqual([]);
    for (const name of ['q_web_1', 'p_db_1', 'p-web-1', 'p_web_1-x', 'p_web', undefined, 7]) {
      expect(named(name), String(name)).toHaveLength(1);
    }
  });

  it('refuses every key it does not know, at the top level and in HostConfig', () => {
    const body = goodBody();
    body.Volumes = { '/x': {} };
    body.HostConfig.OomScoreAdj = -1000;
    body.HostConfig.Binds = ['/etc:/etc'];
    body.HostConfig.Devices = [{ PathOnHost: '/dev/kmsg' }];
    body.HostConfig.UsernsMode = 'host';
    expect(rules(body)).toEqual([
      'admission.unknown-field Volumes',
      'admission.unknown-field HostConfig.OomScoreAdj',
      'mounts.bind-root HostConfig.Binds',
      'privilege.devices HostConfig.Devices',
      'namespaces.host HostConfig.UsernsMode',
    ]);
  });

  it('refuses limits that mean unlimited, and a missing pids limit or log config', () => {
    const body = goodBody();
    body.HostConfig.Memory = 0;
    body.HostConfig.NanoCpus = 0;
    body.HostConfig.PidsLimit = -1;
    delete body.HostConfig.LogConfig;
    expect(rules(body)).toEqual([
      'resources.memory-minimum HostConfig.Memory',
      'resources.cpu-minimum HostConfig.NanoCpus',
      'resources.pids HostConfig.PidsLimit',
      'logging.rotation HostConfig.LogConfig',
    ]);
  });

  it('refuses writable binds of what Spin delivers, host paths, odd propagation and mount options', () => {
    const body = goodBody();
    body.HostConfig.Mounts = [
      { Type: 'bind', Source: '/run/spin/p/secrets/db', Target: '/s', ReadOnly: false },
      { Type: 'bind', Source: '/etc', Target: '/e', ReadOnly: true },
      { Type: 'bind', Source: '/state/checkouts/p/c0ffee/../../q/x', Target: '/q', ReadOnly: true },
      {
        Type: 'bind',
        Source: '/state/checkouts/p/c0ffee/f',
        Target: '/f',
        ReadOnly: true,
        BindOptions: { Propagation: 'RSHARED' },
      },
      { Type: 'volume', Source: 'other_data', Target: '/o' },
      { Type: 'volume', Source: 'p_x', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local' } } },
      { Type: 'npipe', Source: 'x', Target: '/n' },
    ];
    body.HostConfig.Tmpfs = { '/run': 'size=1m,bind' };
    expect(rules(body)).toEqual([
      'mounts.repo-writable HostConfig.Mounts.0.ReadOnly',
      'mounts.sensitive-path HostConfig.Mounts.1.Source',
      'mounts.bind-root HostConfig.Mounts.2.Source',
      'mounts.propagation HostConfig.Mounts.3.BindOptions.Propagation',
      'isolation.external-volume HostConfig.Mounts.4.Source',
      'admission.unknown-field HostConfig.Mounts.5.VolumeOptions.DriverConfig',
      'mounts.bind-root HostConfig.Mounts.6.Type',
      'mounts.tmpfs-options HostConfig.Tmpfs./run',
    ]);
  });

  it('refuses privilege, namespaces, ports, ulimits, logging, healthchecks and labels', () => {
    const body = goodBody();
    Object.assign(body.HostConfig, {
      Privileged: true,
      CapAdd: ['cap_sys_admin'],
      CapDrop: [],
      SecurityOpt: ['seccomp=unconfined'],
      Sysctls: { 'kernel.shmmax': '1' },
      PidMode: 'container:p-x-web-1',
      IpcMode: 'host',
      NetworkMode: 'bridge',
      PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '22' }] },
      Ulimits: [{ Name: 'rtprio', Soft: 99, Hard: 99 }],
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': '10m', 'syslog-address': 'udp://127.0.0.1:514' },
      },
    });
    body.Healthcheck = { Test: ['CMD', 'true'], Interval: 1e6 };
    body.Labels = { 'spin.project': 'other', 'Spin.Extra': 'x' };
    expect(rules(body)).toEqual([
      'isolation.reserved-label Labels.spin.project',
      'isolation.reserved-label Labels.Spin.Extra',
      'resources.healthcheck Healthcheck.Interval',
      'privilege.privileged HostConfig.Privileged',
      'privilege.cap-add HostConfig.CapAdd.0',
      'privilege.cap-drop-all HostConfig.CapDrop',
      'privilege.security-opt HostConfig.SecurityOpt.0',
      'privilege.no-new-privileges HostConfig.SecurityOpt',
      'privilege.sysctls HostConfig.Sysctls.kernel.shmmax',
      'privilege.ulimits HostConfig.Ulimits.rtprio',
      'isolation.network-mode HostConfig.NetworkMode',
      'namespaces.foreign-container HostConfig.PidMode',
      'namespaces.host HostConfig.IpcMode',
      'ports.privileged HostConfig.PortBindings.80/tcp',
      'logging.option HostConfig.LogConfig.Config.syslog-address',
    ]);
  });

  it('lets the operator switch a group off, but never the allow list of keys', () => {
    const off: AdmissionContext = {
      ...ctx,
      policy: { ...ctx.policy, privilege: { ...ctx.policy.privilege, enabled: false } },
    };
    const body = goodBody();
    body.HostConfig.Privileged = true;
    body.HostConfig.OomKillDisable = true;
    expect(admitContainer(body, 'web', off).map((f) => f.rule)).toEqual(['resources.memory-minimum']);
  });
});

describe('the last gate over volume and network bodies', () => {
  const volume = (DriverOpts: Record<string, string>, extra: Record<string, unknown> = {}) =>
    admitVolume(
      {
        Name: 'p_v',
        Driver: 'local',
        DriverOpts,
        Labels: { 'spin.project': 'p', 'spin.volume': 'v' },
        ...extra,
      },
      'v',
      ctx,
    ).map((f) => `${f.rule} ${f.request}`);

  it('accepts a plain volume and a tmpfs volume with rotation-free options', () => {
    expect(volume({})).toEqual([]);
    expect(volume({ type: 'tmpfs', device: 'tmpfs', o: 'size=64m,mode=1777,noexec' })).toEqual([]);
  });

  it('refuses the tmpfs bind trick in every spelling', () => {
    expect(volume({ type: 'tmpfs', o: 'bind', device: '/etc' })).toEqual([
      'mounts.bind-root DriverOpts.device',
      'mounts.volume-options DriverOpts.o',
    ]);
    expect(volume({ type: 'TMPFS', o: 'rbind', device: '/' })).toEqual([
      'mounts.volume-options DriverOpts.type',
    ]);
    expect(volume({ type: 'none', o: 'bind', device: '/srv' })).toEqual([
      'mounts.volume-options DriverOpts.type',
    ]);
    expect(volume({ type: 'tmpfs', o: 'size=1m, bind' })).toEqual(['mounts.volume-options DriverOpts.o']);
    expect(volume({ type: 'tmpfs', size: '1g' })).toEqual(['mounts.volume-options DriverOpts.size']);
    expect(volume({}, { Name: 'other_v' })).toEqual(['isolation.external-volume Name']);
    expect(volume({}, { Driver: 'rexray' })).toEqual(['mounts.volume-driver Driver']);
  });

  it('refuses a network that is not a plain private bridge of the project', () => {
    const network = (body: Record<string, unknown>) =>
      admitNetwork({ Name: 'p_n', Driver: 'bridge', ...body }, 'n', ctx).map((f) => `${f.rule} ${f.request}`);
    expect(network({ Internal: false, CheckDuplicate: true })).toEqual([]);
    expect(network({ Driver: 'macvlan', Options: { parent: 'eth0' } })).toEqual([
      'admission.unknown-field Options',
      'isolation.network-driver Driver',
    ]);
  });
});

describe('the Docker driver, right before each create call', () => {
  /** An engine that records every create call: none may happen for a refused body. */
  function recordingEngine() {
    const calls: string[] = [];
    const docker = {
      createContainer: (o: unknown) => (calls.push('createContainer'), Promise.resolve({ id: 'x', o })),
      createVolume: () => (calls.push('createVolume'), Promise.resolve({})),
      createNetwork: () => (calls.push('createNetwork'), Promise.resolve({})),
      // A read, not a create: the image's own HEALTHCHECK is read to bound it (here it has none).
      getImage: () => ({ inspect: () => Promise.resolve({ Config: {} }) }),
    } as unknown as Docker;
    return { calls, driver: new DockerDriver(docker) };
  }

  it('sends nothing when the rendered body breaks the policy', async () => {
    const { calls, driver } = recordingEngine();
    const request = {
      project: 'p',
      name: 'p_web_1',
      replica: 1,
      commit: 'c0ffee',
      configHash: 'h',
      resolveBindSource: (s: string) => s,
      admission: ctx,
      // Everything a hostile model could carry past the commit gate (no limits, privileged, …).
      spec: service('web', {
        privileged: true,
        mounts: [{ type: 'bind', source: '/etc', target: '/e', readOnly: false }],
      }),
    };
    expect(() => driver.admitContainer(request)).toThrow(AdmissionError);
    await expect(driver.createContainer(request)).rejects.toBeInstanceOf(AdmissionError);
    await expect(
      driver.createVolume(
        'p',
        { name: 'v', driver: 'local', driverOpts: { type: 'tmpfs', o: 'bind', device: '/etc' }, labels: {} },
        ctx,
      ),
    ).rejects.toThrow(/mounts.bind-root/);
    await expect(
      driver.createNetwork('p', { name: 'n', driver: 'macvlan', internal: false, labels: {} }, ctx),
    ).rejects.toThrow(/isolation.network-driver/);
    expect(calls).toEqual([]);
  });

  it('sends an admitted body unchanged', async () => {
    const { calls, driver } = recordingEngine();
    await driver.createVolume('p', { name: 'v', driver: 'local', driverOpts: {}, labels: {} }, ctx);
    await driver.createNetwork('p', { name: 'n', driver: 'bridge', internal: false, labels: {} }, ctx);
    expect(calls).toEqual(['createVolume', 'createNetwork']);
  });
});
