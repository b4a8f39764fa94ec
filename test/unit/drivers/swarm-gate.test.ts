import { describe, expect, it } from 'vitest';
import { admitSwarmNetwork, admitSwarmService } from '../../../src/drivers/swarm/admission.js';
import { swarmRules } from '../../../src/drivers/swarm/rules.js';
import { swarmServiceSpec } from '../../../src/drivers/swarm/service-spec.js';
import { resolvePolicy, type ResolvedPolicy } from '../../../src/policy/index.js';
import { loadDesired } from '../../../src/reconciler/desired.js';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import type { FileReader } from '../../../src/stack/source.js';

/**
 * The Swarm gate: what the Docker path refuses is refused on Swarm too, whether it comes from the
 * stack (located) or is slipped into a service spec past the renderer (the last gate over the
 * exact body sent); what Swarm cannot express is refused instead of silently dropped.
 */
const policyWith = (settings: Record<string, unknown>): ResolvedPolicy => {
  const resolved = resolvePolicy('swarm', { swarm: settings });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.policy;
};
const policy = policyWith({
  privilege: { requireNoNewPrivileges: false },
  isolation: { placement: ['node.labels.tier'] },
});

const service = (extra = '', deploy = '') => `services:
  web:
    image: spin-test/web:1
    cap_drop: [ALL]
${extra}    deploy:
      resources: { limits: { memory: 32m, cpus: "0.2" } }
${deploy}`;

const gate = async (stack: string, p: ResolvedPolicy = policy) => {
  const reader: FileReader = {
    readFile: async (path) => (path === 'compose.yaml' ? new TextEncoder().encode(stack) : undefined),
  };
  const verdict = await loadDesired(reader, 'c0ffee', {
    project: 'sw',
    env: {},
    stackDir: '',
    policy: p,
    engine: swarmRules,
  });
  return verdict.ok ? [] : verdict.diagnostics.map(formatDiagnostic);
};

describe('the Swarm gate over stacks', () => {
  it('accepts a plain stack, with placement on a granted node label', async () => {
    expect(
      await gate(service('', '      placement: { constraints: ["node.labels.tier == gateway"] }\n')),
    ).toEqual([]);
  });

  it.each([
    ['privileged', '    privileged: true\n', /privilege\.privileged|engine\.unsupported/],
    ['host pid', '    pid: host\n', /namespaces\.host|engine\.unsupported/],
    [
      'host network',
      '    network_mode: host\n',
      /namespaces\.host|engine\.unsupported|isolation\.network-mode/,
    ],
    ['cap_add outside the allow list', '    cap_add: [SYS_ADMIN]\n', /privilege\.cap-add/],
    [
      'a bind of the docker socket',
      '    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n',
      /mounts\.|engine\.unsupported/,
    ],
    ['a bind of a host folder', '    volumes: ["/etc:/host-etc:ro"]\n', /mounts\.|engine\.unsupported/],
    ['devices', '    devices: ["/dev/kmsg:/dev/kmsg"]\n', /devices|privilege\.devices/],
    ['ipc host', '    ipc: host\n', /namespaces\.host|engine\.unsupported/],
    [
      'security_opt (silently dropped by Swarm)',
      '    security_opt: ["no-new-privileges:true"]\n',
      /engine\.unsupported: security_opt/,
    ],
    [
      'a sysctl outside the allow list',
      '    sysctls: { kernel.shmmax: "1" }\n',
      /privilege\.sysctl|namespaces/,
    ],
  ])('refuses %s, located', async (_what, extra, rule) => {
    const found = await gate(service(extra));
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(rule);
    expect(found[0]).toMatch(/^compose\.yaml:\d+:\d+: /);
  });

  it('refuses a namespace shared with another service (another task, on any node)', async () => {
    const found = await gate(
      `${service('    network_mode: "service:db"\n')}  db:\n    image: spin-test/busybox:1\n    cap_drop: [ALL]\n    deploy: { resources: { limits: { memory: 32m, cpus: "0.2" } } }\n`,
    );
    expect(found.join('\n')).toMatch(/^compose\.yaml:5:\d+: engine\.unsupported: network_mode: service:db/m);
  });

  it('refuses placement on a node label the policy does not grant, and on node.hostname', async () => {
    const found = await gate(
      service('', '      placement: { constraints: ["node.hostname == vm", "node.labels.secret == 1"] }\n'),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^compose\.yaml:7:\d+: isolation\.placement: placement constraint "node\.hostname == vm"/,
      ),
      expect.stringMatching(
        /^compose\.yaml:7:\d+: isolation\.placement: placement constraint "node\.labels\.secret == 1"/,
      ),
    ]);
  });

  it('refuses placement on a single Docker engine', async () => {
    const { dockerRules } = await import('../../../src/drivers/docker/rules.js');
    const reader: FileReader = {
      readFile: async () =>
        new TextEncoder().encode(
          service('', '      placement: { constraints: ["node.labels.tier == a"] }\n'),
        ),
    };
    const verdict = await loadDesired(reader, 'c0ffee', {
      project: 'sw',
      env: {},
      stackDir: '',
      policy,
      engine: dockerRules,
    });
    expect(verdict.ok).toBe(false);
    if (!verdict.ok)
      expect(verdict.diagnostics.map(formatDiagnostic).join('\n')).toMatch(
        /engine\.unsupported: deploy\.placement/,
      );
  });

  it('refuses volume drivers and driver_opts (node-local volumes only)', async () => {
    const found = await gate(
      `${service('    volumes: [data:/data]\n')}volumes:\n  data: { driver_opts: { type: tmpfs, device: tmpfs } }\n`,
    );
    expect(found.join('\n')).toMatch(/engine\.unsupported: only plain local volumes/);
  });

  it('accepts secrets and configs (Swarm objects), held to the same stack rules as on Docker', async () => {
    const files = `secrets:\n  token: {}\nconfigs:\n  app: { content: "x=1" }\n`;
    expect(
      await gate(
        `${service('    secrets: [token]\n    configs: [{ source: app, target: /etc/app.conf }]\n')}${files}`,
      ),
    ).toEqual([]);
    // The stack rules are the engine-neutral ones: an undeclared secret is refused, located.
    expect((await gate(service('    secrets: [nope]\n'))).join('\n')).toMatch(
      /^compose\.yaml:\d+:\d+: stack\.undeclared-secret: .*not declared/m,
    );
  });

  it('refuses, located, a secret whose Swarm name would be too long', async () => {
    const key = 'k'.repeat(60);
    const found = await gate(`${service(`    secrets: [${key}]\n`)}secrets:\n  ${key}: {}\n`);
    expect(found.join('\n')).toMatch(
      /^compose\.yaml:5:\d+: engine\.unsupported: secret k+: the Swarm object name .* over Swarm's 64/m,
    );
  });
});

/** A spec as the renderer makes it, for hand-made bypass attempts. */
const rendered = () =>
  swarmServiceSpec({
    project: 'sw',
    commit: 'c0ffee',
    configHash: 'h',
    spec: {
      name: 'web',
      image: 'spin-test/web:1',
      replicas: 1,
      environment: {},
      labels: {},
      ports: [],
      mounts: [],
      networks: { default: { aliases: [] } },
      dependsOn: {},
      restart: 'always',
      stopGracePeriodSeconds: 1,
      capAdd: [],
      capDrop: ['ALL'],
      securityOpt: [],
      extraHosts: [],
      dns: [],
      dnsSearch: [],
      sysctls: {},
      ulimits: {},
      tmpfs: [],
      limits: { memoryBytes: 33554432, nanoCpus: 200_000_000, pids: 512 },
      reservations: {},
      logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      updateConfig: {
        parallelism: 1,
        delayMs: 0,
        order: 'stop-first',
        failureAction: 'rollback',
        monitorMs: 5000,
      },
    },
  }) as Record<string, unknown> & {
    TaskTemplate: Record<string, unknown> & { ContainerSpec: Record<string, unknown> };
  };

const ctx = swarmRules.admissionContext({ project: 'sw', services: {}, networks: {}, volumes: {} }, policy, [
  '/var/lib/spin',
]);
const admit = (spec: unknown) => admitSwarmService(spec, 'web', ctx).map((f) => `${f.rule} ${f.request}`);

describe('the last gate over the exact Swarm service spec', () => {
  it('admits the spec the renderer makes', () => {
    expect(admit(rendered())).toEqual([]);
  });

  it('refuses a bind of the docker socket slipped into ContainerSpec.Mounts', () => {
    const spec = rendered();
    spec.TaskTemplate.ContainerSpec.Mounts = [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/s' }];
    expect(admit(spec).join('\n')).toMatch(/mounts\./);
  });

  it('refuses CapabilityAdd outside the allow list', () => {
    const spec = rendered();
    spec.TaskTemplate.ContainerSpec.CapabilityAdd = ['SYS_ADMIN'];
    expect(admit(spec).join('\n')).toMatch(/privilege\.cap-add/);
  });

  it("refuses Privileges, Isolation, Groups, another project's secret and unknown keys", () => {
    const spec = rendered();
    Object.assign(spec.TaskTemplate.ContainerSpec, {
      Privileges: { SELinuxContext: { Disable: true } },
      Isolation: 'hyperv',
      Groups: ['docker'],
      Secrets: [{ SecretName: 'other_project_token' }],
      Devices: ['/dev/mem'],
    });
    expect(admit(spec)).toEqual(
      expect.arrayContaining([
        'engine.unsupported TaskTemplate.ContainerSpec.Privileges',
        'engine.unsupported TaskTemplate.ContainerSpec.Isolation',
        'engine.unsupported TaskTemplate.ContainerSpec.Groups',
        'isolation.container-name TaskTemplate.ContainerSpec.Secrets.0.SecretName',
        'admission.unknown-field TaskTemplate.ContainerSpec.Devices',
      ]),
    );
  });

  it("admits the project's own secrets and configs at absolute targets", () => {
    const spec = rendered();
    Object.assign(spec.TaskTemplate.ContainerSpec, {
      Secrets: [
        {
          File: { Name: '/run/secrets/token', UID: '0', GID: '0', Mode: 0o400 },
          SecretName: 'sw_token_0123456789ab',
        },
      ],
      Configs: [
        {
          File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o444 },
          ConfigName: 'sw_app_0a1b2c3d4e5f',
        },
      ],
    });
    expect(admit(spec)).toEqual([]);
  });

  it("refuses another project's object, a relative or climbing target, setuid bits and extra keys", () => {
    const spec = rendered();
    Object.assign(spec.TaskTemplate.ContainerSpec, {
      Secrets: [
        { File: { Name: '/run/secrets/a', Mode: 0o400 }, SecretName: 'other_token_0123456789ab' },
        { File: { Name: 'relative', Mode: 0o400 }, SecretName: 'sw_token_0123456789ab' },
        { File: { Name: '/run/../etc/x', Mode: 0o4755 }, SecretName: 'sw_token_0123456789ab' },
        { File: { Name: '/x', Driver: 'vault' }, SecretName: 'sw_token_0123456789ab', Runtime: {} },
      ],
      Configs: [{ File: { Name: '/etc/c', UID: 'root' }, ConfigName: 'swx_app_0a1b2c3d4e5f' }],
    });
    expect(admit(spec)).toEqual(
      expect.arrayContaining([
        'isolation.container-name TaskTemplate.ContainerSpec.Secrets.0.SecretName',
        'admission.unknown-field TaskTemplate.ContainerSpec.Secrets.1.File.Name',
        'admission.unknown-field TaskTemplate.ContainerSpec.Secrets.2.File.Name',
        'admission.unknown-field TaskTemplate.ContainerSpec.Secrets.2.File.Mode',
        'admission.unknown-field TaskTemplate.ContainerSpec.Secrets.3.File.Driver',
        'engine.unsupported TaskTemplate.ContainerSpec.Secrets.3.Runtime',
        'isolation.container-name TaskTemplate.ContainerSpec.Configs.0.ConfigName',
        'admission.unknown-field TaskTemplate.ContainerSpec.Configs.0.File.UID',
      ]),
    );
  });

  it('refuses the host network, ingress and another project network', () => {
    for (const target of ['host', 'ingress', 'other_default', 'swx_default']) {
      const spec = rendered();
      spec.TaskTemplate.Networks = [{ Target: target }];
      expect(admit(spec)).toContain('isolation.network-mode TaskTemplate.Networks.0.Target');
    }
  });

  it('refuses a plugin runtime, global mode and a name of another project', () => {
    const spec = rendered();
    spec.TaskTemplate.Runtime = 'plugin';
    spec.Mode = { Global: {} };
    spec.Name = 'other_web';
    expect(admit(spec)).toEqual(
      expect.arrayContaining([
        'engine.unsupported TaskTemplate.Runtime',
        'engine.unsupported Mode',
        'isolation.container-name Name',
      ]),
    );
  });

  it('refuses placement the policy does not grant, and published ports outside the port policy', () => {
    const spec = rendered();
    spec.TaskTemplate.Placement = {
      Constraints: ['node.role == manager'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }],
    };
    spec.EndpointSpec = {
      Ports: [{ TargetPort: 80, PublishedPort: 22, Protocol: 'tcp', PublishMode: 'host' }],
    };
    const found = admit(spec);
    expect(found).toEqual(
      expect.arrayContaining([
        'isolation.placement TaskTemplate.Placement.Constraints.0',
        'isolation.placement TaskTemplate.Placement.Preferences.0',
      ]),
    );
    expect(found).toContain('ports.privileged HostConfig.PortBindings.80/tcp');
  });

  it('refuses a reserved label on the service that its containers do not carry', () => {
    const spec = rendered();
    spec.Labels = { ...(spec.Labels as object), 'spin.project': 'other' };
    expect(admit(spec).join('\n')).toMatch(/isolation\.reserved-label/);
  });

  it('refuses an attachable or non-overlay network', () => {
    const found = admitSwarmNetwork(
      { Name: 'sw_default', Driver: 'macvlan', Attachable: true, Labels: {} },
      'default',
      ctx,
    ).map((f) => f.rule);
    expect(found.filter((r) => r === 'isolation.network-driver')).toHaveLength(2);
  });
});
