import { describe, expect, it } from 'vitest';
import { containerCreateOptions } from '../../../src/drivers/docker/container-spec.js';
import { toActualContainer } from '../../../src/drivers/docker/actual.js';
import { admitContainer } from '../../../src/policy/admission/index.js';
import { BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';
import { service } from '../reconciler/fixtures.js';

const request = (overrides: Parameters<typeof service>[1] = {}) => ({
  project: 'p',
  name: 'p_web_1',
  replica: 1,
  spec: service('web', overrides),
  commit: 'a'.repeat(40),
  configHash: 'h'.repeat(64),
  resolveBindSource: (s: string) => `/state/checkouts/${s}`,
});

describe('containerCreateOptions', () => {
  it('labels the container with the contract labels on top of the user labels', () => {
    const { options } = containerCreateOptions(request({ labels: { team: 'astro' } }));
    expect(options.Labels).toEqual({
      team: 'astro',
      'spin.managed': 'true',
      'spin.project': 'p',
      'spin.service': 'web',
      'spin.replica': '1',
      'spin.commit': 'a'.repeat(40),
      'spin.config-hash': 'h'.repeat(64),
      'spin.image': 'spin-test/busybox:1',
    });
  });

  it('runs a pinned image by its digest and keeps the stack reference in labels', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const { options } = containerCreateOptions(
      request({ image: '127.0.0.1:5000/lab/web:1.2', imageDigest: digest }),
    );
    expect(options.Image).toBe(`127.0.0.1:5000/lab/web@${digest}`);
    expect(options.Labels?.['spin.image']).toBe('127.0.0.1:5000/lab/web:1.2');
    expect(options.Labels?.['spin.image-digest']).toBe(digest);
  });

  it('publishes ports, sorts the environment and converts limits and the grace period', () => {
    const { options } = containerCreateOptions(
      request({
        environment: { Z: '1', A: 'x=y' },
        ports: [
          { target: 8080, published: 18080, hostIp: '127.0.0.1', protocol: 'tcp' },
          { target: 53, protocol: 'udp' },
        ],
        limits: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000 },
        stopGracePeriodSeconds: 3,
        restart: 'no',
      }),
    );
    expect(options.Env).toEqual(['A=x=y', 'Z=1']);
    expect(options.ExposedPorts).toEqual({ '8080/tcp': {}, '53/udp': {} });
    expect(options.HostConfig?.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }],
    });
    expect(options.HostConfig?.Memory).toBe(64 * 1024 * 1024);
    expect(options.HostConfig?.NanoCpus).toBe(500_000_000);
    expect(options.StopTimeout).toBe(3);
    expect(options.HostConfig?.RestartPolicy).toEqual({ Name: '' });
  });

  it('attaches the first network at create time with the service name as alias, the rest after', () => {
    const { options, extraNetworks } = containerCreateOptions(
      request({ networks: { front: { aliases: ['www'] }, back: { aliases: [] } } }),
    );
    expect(options.HostConfig?.NetworkMode).toBe('p_back');
    expect(options.NetworkingConfig?.EndpointsConfig).toEqual({ p_back: { Aliases: ['web'] } });
    expect(extraNetworks).toEqual([{ name: 'p_front', aliases: ['web', 'www'] }]);
  });

  it('maps named volumes to project volumes and relative binds to the materialised checkout', () => {
    const { options } = containerCreateOptions(
      request({
        mounts: [
          { type: 'volume', source: 'data', target: '/data', readOnly: false },
          { type: 'bind', source: 'conf/app.ini', target: '/etc/app.ini', readOnly: true },
        ],
      }),
    );
    expect(options.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'p_data', Target: '/data', ReadOnly: false },
      { Type: 'bind', Source: '/state/checkouts/conf/app.ini', Target: '/etc/app.ini', ReadOnly: true },
    ]);
  });

  it('sends a join only as container:<id> of the container the driver resolved by label', () => {
    const { options, extraNetworks } = containerCreateOptions({
      ...request({ networkMode: 'service:vpn', pid: 'container:p_vpn_1', ipc: 'shareable', networks: {} }),
      joined: { network_mode: 'id-of-vpn', pid: 'id-of-vpn' },
    });
    expect(options.HostConfig?.NetworkMode).toBe('container:id-of-vpn');
    expect(options.HostConfig?.PidMode).toBe('container:id-of-vpn');
    expect(options.HostConfig?.IpcMode).toBe('shareable');
    expect(options.NetworkingConfig).toBeUndefined();
    expect(extraNetworks).toEqual([]);
  });

  it('never sends a join by name the gate would let through: an unresolved join stays as written and is refused', () => {
    const admission = {
      policy: structuredClone(BUILTIN_DEFAULT_POLICY),
      project: 'p',
      containers: new Map([['p_vpn_1', 'vpn']]),
      spinRoots: [],
    };
    for (const spec of [{ networkMode: 'service:vpn', networks: {} }, { ipc: 'container:other_db_1' }]) {
      const { options } = containerCreateOptions(request(spec));
      const mode =
        spec.networkMode === undefined ? options.HostConfig?.IpcMode : options.HostConfig?.NetworkMode;
      expect(mode).toBe(spec.networkMode ?? spec.ipc);
      expect(admitContainer(options, 'web', admission).map((f) => f.rule)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^(namespaces|isolation)\./)]),
      );
    }
    // Resolved by the driver (by label), the join goes as the id it checked.
    const resolved = containerCreateOptions({
      ...request({ networkMode: 'service:vpn', networks: {} }),
      joined: { network_mode: 'f00d' },
    });
    expect(resolved.options.HostConfig?.NetworkMode).toBe('container:f00d');
  });

  it('converts healthcheck durations from ms to the engine’s nanoseconds', () => {
    const { options } = containerCreateOptions(
      request({ healthcheck: { test: ['CMD', 'true'], intervalMs: 2000, timeoutMs: 500, retries: 3 } }),
    );
    expect(options.Healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 2e9, Timeout: 5e8, Retries: 3 });
  });
});

describe('toActualContainer', () => {
  const row = (status: string, state: string, labels: Record<string, string> = {}) =>
    toActualContainer({
      Id: 'abc',
      Names: ['/p-web-2'],
      Image: 'img:1',
      ImageID: 'sha256:x',
      Command: '',
      Created: 1700000000,
      Ports: [],
      Labels: { 'spin.project': 'p', 'spin.service': 'web', 'spin.replica': '2', ...labels },
      State: state,
      Status: status,
      HostConfig: { NetworkMode: 'default' },
      NetworkSettings: { Networks: {} },
      Mounts: [],
    });

  it('reads health and exit code from the list row, saving an inspect per container', () => {
    expect(row('Up 3 seconds (healthy)', 'running')).toMatchObject({
      name: 'p-web-2',
      replica: 2,
      health: 'healthy',
    });
    expect(row('Up 1 second (health: starting)', 'running').health).toBe('starting');
    expect(row('Up 9 minutes (unhealthy)', 'running').health).toBe('unhealthy');
    expect(row('Exited (137) 2 seconds ago', 'exited')).toMatchObject({
      state: 'exited',
      exitCode: 137,
      health: 'none',
    });
  });

  it('treats a missing or malformed replica label as replica 0', () => {
    expect(row('Up', 'running', { 'spin.replica': 'x' }).replica).toBe(0);
  });
});
