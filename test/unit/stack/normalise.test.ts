import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import { interpolateDocument } from '../../../src/stack/interpolate.js';
import type { ServiceSpec, StackModel } from '../../../src/stack/model.js';
import { normalise } from '../../../src/stack/normalise.js';
import { parseYaml } from '../../../src/stack/parse.js';
import { shellSplit } from '../../../src/stack/shell-split.js';
import { parseDurationMs, parseNanoCpus, parseSizeBytes } from '../../../src/util/units.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function run(text: string, env: Record<string, string> = {}) {
  const { doc, diagnostics } = parseYaml('compose.yaml', text);
  if (!doc) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  const interpolated = interpolateDocument(doc, env).doc;
  const result = normalise(interpolated.value, 'demo', interpolated);
  return { model: result.model, problems: result.diagnostics.map(formatDiagnostic) };
}

function model(text: string, env: Record<string, string> = {}): StackModel {
  const { model, problems } = run(text, env);
  if (!model) throw new Error(problems.join('\n'));
  return model;
}

/** The one service `web` of a stack whose services: block is `body` (indented by 4). */
function web(body: string[], extra: string[] = []): ServiceSpec {
  const spec = model(lines('services:', '  web:', '    image: app', ...body.map((l) => `    ${l}`), ...extra))
    .services.web;
  if (!spec) throw new Error('no web service');
  return spec;
}

/** Problems of a stack whose `web` service has `body`, as FILE:LINE:COL: RULE: message. */
function problems(body: string[], extra: string[] = []): string[] {
  return run(lines('services:', '  web:', '    image: app', ...body.map((l) => `    ${l}`), ...extra))
    .problems;
}

describe('normalise', () => {
  it('builds the whole model with defaults, as plain JSON', () => {
    const result = model(lines('services:', '  web:', '    image: nginx:1.27'));
    expect(result).toEqual({
      project: 'demo',
      services: {
        web: {
          name: 'web',
          image: 'nginx:1.27',
          replicas: 1,
          environment: {},
          labels: {},
          ports: [],
          mounts: [],
          networks: { default: { aliases: [] } },
          dependsOn: {},
          restart: 'no',
          stopGracePeriodSeconds: 10,
          capAdd: [],
          capDrop: [],
          securityOpt: [],
          extraHosts: [],
          dns: [],
          dnsSearch: [],
          sysctls: {},
          ulimits: {},
          tmpfs: [],
          limits: {},
          reservations: {},
          updateConfig: {
            parallelism: 1,
            delayMs: 0,
            order: 'stop-first',
            failureAction: 'rollback',
            monitorMs: 5000,
          },
        },
      },
      networks: { default: { name: 'default', driver: 'bridge', internal: false, labels: {} } },
      volumes: {},
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('keeps optional fields out of the model rather than undefined', () => {
    const spec = web(['command: ["a"]']);
    expect(Object.entries(spec).filter(([, v]) => v === undefined)).toEqual([]);
    expect('entrypoint' in spec).toBe(false);
    expect('healthcheck' in spec).toBe(false);
  });

  describe('ports', () => {
    it.each([
      ['80', [{ target: 80, protocol: 'tcp' }]],
      ['"8080:80"', [{ target: 80, published: 8080, protocol: 'tcp' }]],
      ['"127.0.0.1:8080:80/udp"', [{ target: 80, published: 8080, hostIp: '127.0.0.1', protocol: 'udp' }]],
      ['"127.0.0.1::80"', [{ target: 80, hostIp: '127.0.0.1', protocol: 'tcp' }]],
      ['"[::1]:8080:80"', [{ target: 80, published: 8080, hostIp: '::1', protocol: 'tcp' }]],
      ['"53:53/UDP"', [{ target: 53, published: 53, protocol: 'udp' }]],
      [
        '"8000-8001:80-81"',
        [
          { target: 80, published: 8000, protocol: 'tcp' },
          { target: 81, published: 8001, protocol: 'tcp' },
        ],
      ],
      [
        '"9000-9001"',
        [
          { target: 9000, protocol: 'tcp' },
          { target: 9001, protocol: 'tcp' },
        ],
      ],
      [
        '{ target: 80, published: "8080", host_ip: 0.0.0.0, protocol: udp }',
        [{ target: 80, published: 8080, hostIp: '0.0.0.0', protocol: 'udp' }],
      ],
      ['{ target: "443" }', [{ target: 443, protocol: 'tcp' }]],
      // Published on the node that runs the task (Swarm); the routing mesh, the default, is not kept.
      [
        '{ target: 80, published: 8080, mode: host }',
        [{ target: 80, published: 8080, protocol: 'tcp', mode: 'host' }],
      ],
      ['{ target: 80, published: 8080, mode: ingress }', [{ target: 80, published: 8080, protocol: 'tcp' }]],
    ])('%s', (port, expected) => {
      expect(web([`ports: [${port}]`]).ports).toEqual(expected);
    });

    it('takes published ports from the env', () => {
      expect(
        model(lines('services:', '  web:', '    image: app', '    ports: ["${PORT}:80"]'), { PORT: '8081' })
          .services.web?.ports,
      ).toEqual([{ target: 80, published: 8081, protocol: 'tcp' }]);
    });

    it('refuses malformed ports with a located reason', () => {
      expect(
        problems([
          'ports:',
          '  - "80:80:80:80"',
          '  - "8000-8002:80-81"',
          '  - "70000:80"',
          '  - "80/icmp"',
          '  - "90-80"',
        ]),
      ).toEqual([
        "compose.yaml:5:9: stack.invalid-port: services.web.ports.0: '80:80:80:80' is not a port; write TARGET, PUBLISHED:TARGET or IP:PUBLISHED:TARGET, each optionally /udp",
        "compose.yaml:6:9: stack.invalid-port: services.web.ports.1: '8000-8002:80-81' maps 3 host port(s) to 2 container port(s); the ranges must be the same length",
        "compose.yaml:7:9: stack.invalid-port: services.web.ports.2: port '70000' is outside 1-65535",
        "compose.yaml:8:9: stack.invalid-port: services.web.ports.3: protocol 'icmp' must be tcp, udp or sctp",
        "compose.yaml:9:9: stack.invalid-port: services.web.ports.4: port range '90-80' ends before it starts",
      ]);
    });

    it('refuses a host port published twice, or by several replicas', () => {
      const text = lines(
        'services:',
        '  a: { image: x, ports: ["80:80", "127.0.0.1:81:81", "53:53/udp"] }',
        '  b: { image: x, ports: ["8080:80", "127.0.0.2:81:81", "53:53"] }',
        '  c: { image: x, ports: ["80:8000"] }',
        '  d: { image: x, ports: ["90:90"], deploy: { replicas: 2 } }',
        '  e: { image: x, ports: ["90"], deploy: { replicas: 2 } }',
      );
      expect(run(text).problems).toEqual([
        'compose.yaml:4:26: stack.port-conflict: host port 80/tcp is already published by services.a',
        'compose.yaml:5:26: stack.port-conflict: services.d has 2 replicas, but only one container can publish a given host port; publish no host port or run one replica',
      ]);
    });
  });

  describe('volumes', () => {
    const declared = [
      'volumes:',
      '  data:',
      '  cache: { driver: local, driver_opts: { type: tmpfs, device: tmpfs }, labels: [team=a] }',
    ];

    it.each([
      ['data:/var/lib/data', { type: 'volume', source: 'data', target: '/var/lib/data', readOnly: false }],
      ['data:/d:ro,nocopy', { type: 'volume', source: 'data', target: '/d', readOnly: true, nocopy: true }],
      ['./conf:/etc/app:ro', { type: 'bind', source: './conf', target: '/etc/app', readOnly: true }],
      ['../shared:/s', { type: 'bind', source: '../shared', target: '/s', readOnly: false }],
      ['.:/code', { type: 'bind', source: '.', target: '/code', readOnly: false }],
      ['/abs/path:/p:rw', { type: 'bind', source: '/abs/path', target: '/p', readOnly: false }],
      [
        '/srv:/srv:rshared,cached',
        { type: 'bind', source: '/srv', target: '/srv', readOnly: false, propagation: 'rshared' },
      ],
      [
        '{ type: volume, source: cache, target: /c, volume: { nocopy: true } }',
        { type: 'volume', source: 'cache', target: '/c', readOnly: false, nocopy: true },
      ],
      [
        '{ type: bind, source: ./x, target: /x, read_only: true, bind: { propagation: rslave } }',
        { type: 'bind', source: './x', target: '/x', readOnly: true, propagation: 'rslave' },
      ],
      [
        '{ type: tmpfs, target: /tmp, tmpfs: { size: 64m, mode: 1777 } }',
        { type: 'tmpfs', target: '/tmp', sizeBytes: 67108864, mode: 1777 },
      ],
    ])('%s', (volume, expected) => {
      expect(
        web(
          [
            `volumes: ["${volume.replace(/"/g, '\\"')}"]`.replace(
              /^volumes: \["\{(.*)\}"\]$/,
              'volumes: [{$1}]',
            ),
          ],
          declared,
        ).mounts,
      ).toEqual([expected]);
    });

    it('keeps declared volumes, used or not, with their settings', () => {
      const text = lines('services:', '  web: { image: app }', ...declared);
      expect(model(text).volumes).toEqual({
        data: { name: 'data', driver: 'local', driverOpts: {}, labels: {} },
        cache: {
          name: 'cache',
          driver: 'local',
          driverOpts: { type: 'tmpfs', device: 'tmpfs' },
          labels: { team: 'a' },
        },
      });
    });

    it('refuses undeclared, anonymous and unusable volumes with a located reason', () => {
      expect(
        problems(
          [
            'volumes:',
            '  - logs:/logs',
            '  - /node_modules',
            '  - "~/data:/data"',
            '  - ":/media"',
            '  - ./a:relative',
            '  - ./a:/a:z',
            '  - { type: volume, target: /anon }',
          ],
          ['volumes: { data: {} }'],
        ),
      ).toEqual([
        "compose.yaml:5:9: stack.undeclared-volume: services.web.volumes.0: volume 'logs' is not declared; add it under the top-level volumes: (or write ./logs for a folder)",
        'compose.yaml:6:9: stack.anonymous-volume: services.web.volumes.1: anonymous volumes are not supported (their data is orphaned when the container is replaced); name it, e.g. data:/path, and declare it under the top-level volumes:',
        "compose.yaml:7:9: stack.invalid-volume: services.web.volumes.2: '~/data' starts with '~'; use a path relative to the stack file, an absolute path, or a named volume",
        "compose.yaml:8:9: stack.invalid-volume: services.web.volumes.3: ':/media' has an empty source before ':' (is a variable unset?)",
        "compose.yaml:9:9: stack.invalid-volume: services.web.volumes.4: the target 'relative' must be an absolute path in the container",
        "compose.yaml:10:9: stack.invalid-volume: services.web.volumes.5: option 'z' (SELinux relabelling) is not supported",
        'compose.yaml:11:9: stack.anonymous-volume: services.web.volumes.6: anonymous volumes are not supported (their data is orphaned when the container is replaced); name it, e.g. data:/path, and declare it under the top-level volumes:',
      ]);
    });
  });

  describe('environment and labels', () => {
    it('reads the mapping form; null is unset (no project env here); scalars become text', () => {
      expect(web(['environment: { A: "1", B: 2, C: true, D: null, E: "" }']).environment).toEqual({
        A: '1',
        B: '2',
        C: 'true',
        E: '',
      });
    });

    it('reads the list form, splitting at the first =; a bare name is unset without a project env', () => {
      const text = lines(
        'services:',
        '  web:',
        '    image: app',
        '    environment: ["A=1", "B=x=y", "C=", "ONLY_NAME"]',
      );
      const result = run(text);
      expect(result.model?.services.web?.environment).toEqual({ A: '1', B: 'x=y', C: '' });
      expect(result.problems).toEqual([]);
    });

    it('takes a name without a value from the project env, in both forms, as Compose does', () => {
      const doc = {
        services: {
          a: { image: 'x', environment: ['FROM_ENV', 'MISSING', 'SET=1'] },
          b: { image: 'x', environment: { FROM_ENV: null, MISSING: null, EMPTY: '' } },
        },
      };
      const { model } = normalise(doc, 'demo', undefined, { FROM_ENV: 'v', OTHER: 'o' });
      expect(model?.services.a?.environment).toEqual({ FROM_ENV: 'v', SET: '1' });
      expect(model?.services.b?.environment).toEqual({ FROM_ENV: 'v', EMPTY: '' });
    });

    it('refuses a variable name with white space, located at its entry', () => {
      const text = lines('services:', '  web:', '    image: app', '    environment:', '      - DEBUG = true');
      expect(run(text).problems).toEqual([
        "compose.yaml:5:9: stack.invalid-environment: services.web.environment.0: variable name 'DEBUG ' contains white space; write NAME=value with no spaces around '='",
      ]);
    });

    it('reads labels in both forms and keeps spin.* for Spin', () => {
      expect(web(['labels: ["a=1", "flag"]']).labels).toEqual({ a: '1', flag: '' });
      expect(web(['labels: { a: 1 }']).labels).toEqual({ a: '1' });
      expect(problems(['labels: { spin.project: other }'])).toEqual([
        "compose.yaml:4:29: stack.reserved-label: label 'spin.project': labels starting with 'spin.' are set by Spin itself",
      ]);
    });
  });

  describe('command and entrypoint', () => {
    it.each([
      ['echo hello', ['echo', 'hello']],
      ["sh -c 'echo $$HOME && exit 1'", ['sh', '-c', 'echo $HOME && exit 1']],
      ["'\"a b\" c\\ d '''''", ['a b', 'c d', '']],
      ['["--flag", 1]', ['--flag', '1']],
      ['""', []],
    ])('%s', (command, expected) => {
      expect(web([`command: ${command}`, `entrypoint: ${command}`])).toMatchObject({
        command: expected,
        entrypoint: expected,
      });
    });

    it('refuses an unterminated quote', () => {
      expect(problems(['command: sh -c "echo'])).toEqual([
        'compose.yaml:4:14: stack.invalid-command: services.web.command: unterminated " quote at character 7; or write it as a list of words',
      ]);
    });
  });

  describe('depends_on', () => {
    it('fills defaults in the list and mapping forms', () => {
      const text = lines(
        'services:',
        '  web: { image: a, depends_on: [db] }',
        '  api: { image: a, depends_on: { db: { condition: service_healthy }, web: { required: false, restart: true } } }',
        '  db: { image: a }',
      );
      const { services } = model(text);
      expect(services.web?.dependsOn).toEqual({
        db: { condition: 'service_started', required: true, restart: false },
      });
      expect(services.api?.dependsOn).toEqual({
        db: { condition: 'service_healthy', required: true, restart: false },
        web: { condition: 'service_started', required: false, restart: true },
      });
    });

    it('refuses unknown services and cycles', () => {
      const text = lines(
        'services:',
        '  a: { image: x, depends_on: [b, ghost] }',
        '  b: { image: x, depends_on: { c: { condition: service_started } } }',
        '  c: { image: x, depends_on: [a], network_mode: "service:nobody" }',
      );
      expect(run(text).problems).toEqual([
        "compose.yaml:2:34: stack.unknown-service: services.a depends on ghost, but there is no service 'ghost'",
        "compose.yaml:4:49: stack.unknown-service: network_mode of services.c names nobody, but there is no service 'nobody'",
        'compose.yaml:4:31: stack.dependency-cycle: depends_on forms a cycle: a -> b -> c -> a',
      ]);
    });
  });

  describe('networks', () => {
    it('attaches the implicit default network only to services that name none', () => {
      const text = lines(
        'services:',
        '  web: { image: a, networks: { front: { aliases: [www], ipv4_address: 172.20.0.5 }, back: null } }',
        '  db: { image: a, networks: [back] }',
        '  tool: { image: a }',
        '  solo: { image: a, network_mode: none }',
        'networks:',
        '  front: { labels: { tier: front } }',
        '  back: { internal: true, driver: bridge }',
        '  spare:',
      );
      const result = model(text);
      expect(result.services.web?.networks).toEqual({
        front: { aliases: ['www'], ipv4Address: '172.20.0.5' },
        back: { aliases: [] },
      });
      expect(result.services.db?.networks).toEqual({ back: { aliases: [] } });
      expect(result.services.tool?.networks).toEqual({ default: { aliases: [] } });
      expect(result.services.solo).toMatchObject({ networks: {}, networkMode: 'none' });
      expect(result.networks).toEqual({
        front: { name: 'front', driver: 'bridge', internal: false, labels: { tier: 'front' } },
        back: { name: 'back', driver: 'bridge', internal: true, labels: {} },
        spare: { name: 'spare', driver: 'bridge', internal: false, labels: {} },
        default: { name: 'default', driver: 'bridge', internal: false, labels: {} },
      });
    });

    it('leaves out the default network when no service uses it', () => {
      expect(
        model(lines('services:', '  web: { image: a, networks: [n] }', 'networks: { n: {} }')).networks,
      ).toEqual({
        n: { name: 'n', driver: 'bridge', internal: false, labels: {} },
      });
    });

    it('refuses undeclared networks and network_mode mixed with networks', () => {
      expect(problems(['networks: [front, back]'], ['networks: { back: {} }'])).toEqual([
        "compose.yaml:4:16: stack.undeclared-network: network 'front' is not declared; add it under the top-level networks:",
      ]);
      expect(problems(['network_mode: host', 'networks: [default]'])).toEqual([
        'compose.yaml:4:19: stack.network-mode-conflict: services.web has both network_mode: and networks:; keep one',
      ]);
      expect(problems(['network_mode: mynet'])).toEqual([
        "compose.yaml:4:19: stack.invalid-network-mode: network_mode 'mynet' must be none, host, bridge, service:<name> or container:<name>; to join a stack network use networks:",
      ]);
    });
  });

  describe('units', () => {
    it.each([
      ['10s', 10_000],
      ['1m30s', 90_000],
      ['500ms', 500],
      ['1h', 3_600_000],
      ['1.5s', 1500],
      ['2h45m', 9_900_000],
      ['0', 0],
      ['100us', 0],
      ['10', undefined],
      ['1x', undefined],
      ['', undefined],
    ])('duration %j -> %j ms', (text, ms) => {
      expect(parseDurationMs(text)).toBe(ms);
    });

    it.each([
      ['512m', 536_870_912],
      ['1g', 1_073_741_824],
      ['1024k', 1_048_576],
      ['1.5gb', 1_610_612_736],
      ['1.5G', 1_610_612_736],
      ['2 GiB', 2_147_483_648],
      ['100b', 100],
      ['100', 100],
      [4096, 4096],
      ['lots', undefined],
      [-1, undefined],
    ])('size %j -> %j bytes', (text, bytes) => {
      expect(parseSizeBytes(text)).toBe(bytes);
    });

    it.each([
      ['0.5', 500_000_000],
      [2, 2_000_000_000],
      ['0.25', 250_000_000],
      ['0', undefined],
      ['half', undefined],
    ])('cpus %j -> %j nanoCpus', (text, nano) => {
      expect(parseNanoCpus(text)).toBe(nano);
    });

    it('puts durations, sizes and cpus into the service', () => {
      const spec = web([
        'stop_grace_period: 1m30s',
        'shm_size: 64m',
        'healthcheck: { test: "curl -f localhost", interval: 30s, timeout: 5s, retries: 3, start_period: 1m, start_interval: 500ms }',
        'deploy:',
        '  resources: { limits: { memory: 512m, cpus: "0.5", pids: 200 }, reservations: { memory: 128m, cpus: 0.25 } }',
        '  update_config: { parallelism: 2, delay: 10s, order: start-first, failure_action: rollback, monitor: 1m }',
      ]);
      expect(spec).toMatchObject({
        stopGracePeriodSeconds: 90,
        shmSizeBytes: 67_108_864,
        healthcheck: {
          test: ['CMD-SHELL', 'curl -f localhost'],
          intervalMs: 30_000,
          timeoutMs: 5000,
          retries: 3,
          startPeriodMs: 60_000,
          startIntervalMs: 500,
        },
        limits: { memoryBytes: 536_870_912, nanoCpus: 500_000_000, pids: 200 },
        reservations: { memoryBytes: 134_217_728, nanoCpus: 250_000_000 },
        updateConfig: {
          parallelism: 2,
          delayMs: 10_000,
          order: 'start-first',
          failureAction: 'rollback',
          monitorMs: 60_000,
        },
      });
    });

    it('rounds a grace period up to whole seconds', () => {
      expect(web(['stop_grace_period: 1500ms']).stopGracePeriodSeconds).toBe(2);
    });

    it('maps the legacy mem_limit, mem_reservation, cpus and pids_limit into limits', () => {
      expect(web(['mem_limit: 1g', 'mem_reservation: 256m', 'cpus: 1.5', 'pids_limit: -1'])).toMatchObject({
        limits: { memoryBytes: 1_073_741_824, nanoCpus: 1_500_000_000, pids: -1 },
        reservations: { memoryBytes: 268_435_456 },
      });
      expect(problems(['mem_limit: 1g', 'deploy: { resources: { limits: { memory: 2g } } }'])).toEqual([
        'compose.yaml:5:46: stack.conflicting-keys: services.web.deploy.resources.limits.memory and services.web.mem_limit disagree; keep one',
      ]);
    });
  });

  describe('replicas, restart and healthcheck', () => {
    it.each([
      [[], 1],
      [['deploy: { replicas: 3 }'], 3],
      [['scale: 2'], 2],
      [['deploy: { replicas: 0 }'], 0],
      [['scale: 2', 'deploy: { replicas: 2 }'], 2],
    ])('%j -> %d replicas', (body, replicas) => {
      expect(web(body).replicas).toBe(replicas);
    });

    it('refuses scale and deploy.replicas that disagree', () => {
      expect(problems(['scale: 2', 'deploy: { replicas: 3 }'])).toEqual([
        'compose.yaml:5:25: stack.conflicting-keys: services.web.deploy.replicas and services.web.scale disagree; keep one',
      ]);
    });

    it.each([
      [[], 'no'],
      [['restart: always'], 'always'],
      [['restart: unless-stopped'], 'unless-stopped'],
      [['restart: on-failure:3'], 'on-failure'],
      [['deploy: { restart_policy: { condition: none } }'], 'no'],
      [['deploy: { restart_policy: { condition: on-failure } }'], 'on-failure'],
      [['deploy: { restart_policy: { condition: any } }'], 'always'],
      [['restart: "no"', 'deploy: { restart_policy: { condition: any } }'], 'always'],
    ])('%j -> restart %s', (body, restart) => {
      expect(web(body).restart).toBe(restart);
    });

    it.each([
      ['{ disable: true, test: ["CMD", "x"] }', { test: ['NONE'] }],
      ['{ test: ["CMD", "pg_isready"] }', { test: ['CMD', 'pg_isready'] }],
      ['{ test: ["NONE"] }', { test: ['NONE'] }],
      ['{ interval: 5s }', { test: [], intervalMs: 5000 }],
    ])('healthcheck %s', (healthcheck, expected) => {
      expect(web([`healthcheck: ${healthcheck}`]).healthcheck).toEqual(expected);
    });

    it('refuses a healthcheck test list that does not say how to run it', () => {
      expect(problems(['healthcheck: { test: ["curl", "-f", "localhost"] }'])).toEqual([
        'compose.yaml:4:27: stack.invalid-healthcheck: services.web.healthcheck.test must start with CMD, CMD-SHELL or NONE (or be a string run by the shell)',
      ]);
    });
  });

  describe('the rest of a service', () => {
    it('maps the remaining keys one to one', () => {
      const spec = web([
        'user: 1000',
        'working_dir: /app',
        'hostname: web1',
        'domainname: example.org',
        'stop_signal: SIGINT',
        'init: true',
        'tty: "true"',
        'stdin_open: false',
        'read_only: true',
        'privileged: false',
        'pid: host',
        'ipc: shareable',
        'cap_add: [NET_ADMIN]',
        'cap_drop: [ALL]',
        'security_opt: ["no-new-privileges:true"]',
        'extra_hosts: ["db.local:10.0.0.2", "cache=10.0.0.3"]',
        'dns: 1.1.1.1',
        'dns_search: [example.org]',
        'sysctls: ["net.core.somaxconn=1024"]',
        'ulimits: { nofile: { soft: 1024, hard: 4096 }, nproc: 512 }',
        'tmpfs: /run',
        'logging: { driver: json-file, options: { max-size: 10m, max-file: 3 } }',
      ]);
      expect(spec).toMatchObject({
        user: '1000',
        workingDir: '/app',
        hostname: 'web1',
        domainname: 'example.org',
        stopSignal: 'SIGINT',
        init: true,
        tty: true,
        stdinOpen: false,
        readOnly: true,
        privileged: false,
        pid: 'host',
        ipc: 'shareable',
        capAdd: ['NET_ADMIN'],
        capDrop: ['ALL'],
        securityOpt: ['no-new-privileges:true'],
        extraHosts: ['db.local:10.0.0.2', 'cache:10.0.0.3'],
        dns: ['1.1.1.1'],
        dnsSearch: ['example.org'],
        sysctls: { 'net.core.somaxconn': '1024' },
        ulimits: { nofile: { soft: 1024, hard: 4096 }, nproc: { soft: 512, hard: 512 } },
        tmpfs: ['/run'],
        logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      });
      expect(web(['extra_hosts: { db.local: 10.0.0.2 }']).extraHosts).toEqual(['db.local:10.0.0.2']);
    });

    it('refuses a service without an image', () => {
      expect(run(lines('services:', '  web:', '    restart: always')).problems).toEqual([
        'compose.yaml:3:5: stack.missing-image: services.web has no image:; name the image to run, e.g. image: registry.example.org/lab/app:1.0',
      ]);
    });
  });

  describe('profiles', () => {
    it('leaves services with profiles out of the model, with a warning', () => {
      const text = lines(
        'services:',
        '  web: { image: a, depends_on: { debug: { required: false } } }',
        '  debug: { image: b, profiles: [debug] }',
        '  always: { image: c, profiles: [] }',
      );
      const result = run(text);
      expect(Object.keys(result.model?.services ?? {})).toEqual(['web', 'always']);
      expect(result.model?.services.web?.dependsOn).toEqual({});
      expect(result.problems).toEqual([
        'compose.yaml:3:32: ignored.profiles: services.debug is not deployed: it has profiles:, and Spin activates no profile',
      ]);
    });

    it('refuses a required dependency on a service that does not run', () => {
      const text = lines(
        'services:',
        '  web: { image: a, depends_on: [debug] }',
        '  debug: { image: b, profiles: [debug] }',
      );
      expect(run(text).problems).toContain(
        "compose.yaml:2:33: stack.unknown-service: services.web depends on debug, but service 'debug' is not deployed (it has profiles:)",
      );
    });
  });

  it('works on plain values without a document, giving paths only', () => {
    const result = normalise({ services: { web: { image: 'a', volumes: ['x:/x'] } } }, 'demo');
    expect(result.model).toBeUndefined();
    expect(result.diagnostics).toMatchObject([
      { file: '', line: 0, column: 0, rule: 'stack.undeclared-volume', path: 'services.web.volumes.0' },
    ]);
  });
});

describe('shellSplit', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ['  padded  ', ['padded']],
    ['\'single quoted\' "double quoted"', ['single quoted', 'double quoted']],
    ['"esc \\" \\\\ \\$ \\` \\n"', ['esc " \\ $ ` \\n']],
    ["it\\'s", ["it's"]],
    ['a\'b\'"c"d', ['abcd']],
    ["''", ['']],
    ['', []],
  ])('%j', (line, words) => {
    expect(shellSplit(line)).toEqual({ words });
  });

  it.each(["'open", '"open', 'a "b'])('%j is unterminated', (line) => {
    expect(shellSplit(line)).toMatchObject({ error: expect.stringContaining('unterminated') });
  });
});
