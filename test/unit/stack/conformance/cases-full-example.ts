/**
 * compose-go's loader/full-example.yml, service `foo`, one key at a time: each key either means
 * in Spin what it means in Compose (the field is checked) or is refused by a named rule.
 */
import { stack } from './cases-stack.js';
import type { StackCase } from './types.js';

const FULL = 'compose-spec/compose-go loader/full-example.yml services.foo';

const field = (
  key: string,
  lines: string[],
  name: string,
  value: unknown,
  top: string[] = [],
): StackCase => ({
  source: `${FULL}.${key}`,
  yaml: stack(lines, top),
  field: { name, value },
});
const refused = (key: string, lines: string[], rule: string, top: string[] = []): StackCase => ({
  source: `${FULL}.${key}`,
  yaml: stack(lines, top),
  refused: rule,
});
const passes = (
  key: string,
  lines: string[],
  services: Record<string, unknown>,
  top: string[] = [],
): StackCase => ({
  source: `${FULL}.${key}`,
  yaml: stack(lines, top),
  services,
});

export const FULL_EXAMPLE_CASES: StackCase[] = [
  refused('annotations', ['annotations:', '  - com.example.foo=bar'], 'ignored.annotations'),
  refused('build', ['build:', '  context: ./dir', '  dockerfile: Dockerfile'], 'unsupported.build'),
  field('cap_add', ['cap_add:', '  - ALL'], 'capAdd', ['ALL']),
  field('cap_drop', ['cap_drop:', '  - NET_ADMIN', '  - SYS_ADMIN'], 'capDrop', ['NET_ADMIN', 'SYS_ADMIN']),
  refused('cgroup_parent', ['cgroup_parent: m-executor-abcd'], 'unsupported.cgroup_parent'),
  field('command', ['command: bundle exec thin -p 3000'], 'command', [
    'bundle',
    'exec',
    'thin',
    '-p',
    '3000',
  ]),
  field('command (list)', ['command: ["bundle", "exec", "thin", "-p", "3000"]'], 'command', [
    'bundle',
    'exec',
    'thin',
    '-p',
    '3000',
  ]),
  field(
    'configs',
    [
      'configs:',
      '  - config1',
      '  - source: config2',
      '    target: /my_config',
      "    uid: '103'",
      "    gid: '103'",
      '    mode: 0440',
    ],
    'configs',
    [
      { source: 'config1', target: '/config1', uid: 0, gid: 0, mode: 0o444 },
      { source: 'config2', target: '/my_config', uid: 103, gid: 103, mode: 0o440 },
    ],
    ['configs:', '  config1:', '    content: one', '  config2:', '    content: two'],
  ),
  refused('container_name', ['container_name: my-web-container'], 'ignored.container_name'),
  field(
    'depends_on',
    ['depends_on:', '  - db', '  - redis'],
    'dependsOn',
    {
      db: { condition: 'service_started', required: true, restart: false },
      redis: { condition: 'service_started', required: true, restart: false },
    },
    ['  db: { image: busybox }', '  redis: { image: busybox }'],
  ),
  passes('deploy.mode', ['deploy:', '  mode: replicated', '  replicas: 6'], { s: { replicas: 6 } }),
  refused('deploy.labels', ['deploy:', '  labels: [FOO=BAR]'], 'ignored.deploy.labels'),
  refused(
    'deploy.rollback_config',
    ['deploy:', '  rollback_config:', '    parallelism: 3'],
    'ignored.deploy.rollback_config',
  ),
  field(
    'deploy.update_config',
    [
      'deploy:',
      '  update_config:',
      '    parallelism: 3',
      '    delay: 10s',
      '    failure_action: continue',
      '    monitor: 60s',
      '    order: start-first',
    ],
    'updateConfig',
    { parallelism: 3, delayMs: 10_000, order: 'start-first', failureAction: 'continue', monitorMs: 60_000 },
  ),
  refused(
    'deploy.update_config.max_failure_ratio',
    ['deploy:', '  update_config:', '    max_failure_ratio: 0.3'],
    'ignored.deploy.update_config',
  ),
  field(
    'deploy.resources.limits',
    ['deploy:', '  resources:', '    limits:', "      cpus: '0.001'", '      memory: 50M'],
    'limits',
    {
      nanoCpus: 1_000_000,
      memoryBytes: 50 * 1024 * 1024,
    },
  ),
  field(
    'deploy.resources.reservations',
    ['deploy:', '  resources:', '    reservations:', "      cpus: '0.0001'", '      memory: 20M'],
    'reservations',
    {
      nanoCpus: 100_000,
      memoryBytes: 20 * 1024 * 1024,
    },
  ),
  refused(
    'deploy.resources.reservations.generic_resources',
    [
      'deploy:',
      '  resources:',
      '    reservations:',
      '      generic_resources:',
      '        - discrete_resource_spec: { kind: gpu, value: 2 }',
    ],
    'unsupported.deploy.resources.generic_resources',
  ),
  field(
    'deploy.restart_policy.condition',
    ['deploy:', '  restart_policy:', '    condition: on-failure'],
    'restart',
    'on-failure',
  ),
  refused(
    'deploy.restart_policy.delay',
    ['deploy:', '  restart_policy:', '    delay: 5s'],
    'ignored.deploy.restart_policy',
  ),
  // Modelled for Swarm; a single engine refuses it (engine.unsupported), the policy holds it.
  field(
    'deploy.placement',
    [
      'deploy:',
      '  placement:',
      '    constraints: [node.labels.tier==gw]',
      '    preferences: [{ spread: node.labels.zone }]',
    ],
    'placement',
    { constraints: ['node.labels.tier==gw'], preferences: ['node.labels.zone'] },
  ),
  refused('deploy.endpoint_mode', ['deploy:', '  endpoint_mode: dnsrr'], 'unsupported.deploy.endpoint_mode'),
  refused(
    'device_cgroup_rules',
    ['device_cgroup_rules:', '  - "c 1:3 mr"'],
    'unsupported.device_cgroup_rules',
  ),
  refused('devices', ['devices:', '  - "/dev/ttyUSB0:/dev/ttyUSB0"'], 'unsupported.devices'),
  field('dns', ['dns:', '  - 8.8.8.8', '  - 9.9.9.9'], 'dns', ['8.8.8.8', '9.9.9.9']),
  field('dns (string)', ['dns: 8.8.8.8'], 'dns', ['8.8.8.8']),
  field('dns_search', ['dns_search:', '  - dc1.example.com', '  - dc2.example.com'], 'dnsSearch', [
    'dc1.example.com',
    'dc2.example.com',
  ]),
  field('domainname', ['domainname: foo.com'], 'domainname', 'foo.com'),
  field('entrypoint', ['entrypoint: ["/code/entrypoint.sh", "-p", "3000"]'], 'entrypoint', [
    '/code/entrypoint.sh',
    '-p',
    '3000',
  ]),
  field('entrypoint (string)', ['entrypoint: /code/entrypoint.sh -p 3000'], 'entrypoint', [
    '/code/entrypoint.sh',
    '-p',
    '3000',
  ]),
  refused('external_links', ['external_links:', '  - redis_1'], 'unsupported.external_links'),
  field(
    'healthcheck',
    [
      'healthcheck:',
      '  test: echo "hello world"',
      '  interval: 10s',
      '  timeout: 1s',
      '  retries: 5',
      '  start_period: 15s',
      '  start_interval: 5s',
    ],
    'healthcheck',
    {
      test: ['CMD-SHELL', 'echo "hello world"'],
      intervalMs: 10_000,
      timeoutMs: 1000,
      retries: 5,
      startPeriodMs: 15_000,
      startIntervalMs: 5000,
    },
  ),
  field('hostname', ['hostname: foo'], 'hostname', 'foo'),
  field('ipc', ['ipc: host'], 'ipc', 'host'),
  refused('uts', ['uts: host'], 'unsupported.uts'),
  field(
    'labels',
    [
      'labels:',
      '  com.example.description: "Accounting webapp"',
      '  com.example.number: 42',
      '  com.example.empty-label:',
    ],
    'labels',
    {
      'com.example.description': 'Accounting webapp',
      'com.example.number': '42',
      'com.example.empty-label': '',
    },
  ),
  field(
    'labels (list)',
    [
      'labels:',
      '  - "com.example.description=Accounting webapp"',
      '  - "com.example.number=42"',
      '  - "com.example.empty-label"',
    ],
    'labels',
    {
      'com.example.description': 'Accounting webapp',
      'com.example.number': '42',
      'com.example.empty-label': '',
    },
  ),
  refused('links', ['links:', '  - db'], 'unsupported.links', ['  db: { image: busybox }']),
  field(
    'logging',
    ['logging:', '  driver: syslog', '  options:', '    syslog-address: "tcp://192.168.0.42:123"'],
    'logging',
    {
      driver: 'syslog',
      options: { 'syslog-address': 'tcp://192.168.0.42:123' },
    },
  ),
  refused('mac_address', ['mac_address: 02:42:ac:11:65:43'], 'unsupported.mac_address'),
  field(
    'network_mode (container:)',
    ['network_mode: "container:0cfeab0f748b"'],
    'networkMode',
    'container:0cfeab0f748b',
  ),
  field(
    'network_mode (service:, implies depends_on)',
    ['network_mode: "service:db"'],
    'dependsOn',
    {
      db: { condition: 'service_started', required: true, restart: true },
    },
    ['  db: { image: busybox }'],
  ),
  field(
    'networks',
    [
      'networks:',
      '  some-network:',
      '    aliases:',
      '     - alias1',
      '     - alias3',
      '  other-network:',
      '    ipv4_address: 172.16.238.10',
      '    ipv6_address: 2001:3984:3989::10',
      '  other-other-network:',
    ],
    'networks',
    {
      'some-network': { aliases: ['alias1', 'alias3'] },
      'other-network': { aliases: [], ipv4Address: '172.16.238.10', ipv6Address: '2001:3984:3989::10' },
      'other-other-network': { aliases: [] },
    },
    ['networks:', '  some-network:', '  other-network:', '  other-other-network:'],
  ),
  field('pid', ['pid: "host"'], 'pid', 'host'),
  field('privileged', ['privileged: true'], 'privileged', true),
  field('read_only', ['read_only: true'], 'readOnly', true),
  field('restart', ['restart: always'], 'restart', 'always'),
  field(
    'security_opt',
    ['security_opt:', '  - label=level:s0:c100,c200', '  - label=type:svirt_apache_t'],
    'securityOpt',
    ['label=level:s0:c100,c200', 'label=type:svirt_apache_t'],
  ),
  field('stdin_open', ['stdin_open: true'], 'stdinOpen', true),
  field('stop_grace_period', ['stop_grace_period: 20s'], 'stopGracePeriodSeconds', 20),
  field('stop_signal', ['stop_signal: SIGUSR1'], 'stopSignal', 'SIGUSR1'),
  field('sysctls', ['sysctls:', '  net.core.somaxconn: 1024', '  net.ipv4.tcp_syncookies: 0'], 'sysctls', {
    'net.core.somaxconn': '1024',
    'net.ipv4.tcp_syncookies': '0',
  }),
  field('tmpfs', ['tmpfs:', '  - /run', '  - /tmp'], 'tmpfs', ['/run', '/tmp']),
  field('tmpfs (string)', ['tmpfs: /run'], 'tmpfs', ['/run']),
  field('tty', ['tty: true'], 'tty', true),
  field(
    'ulimits',
    ['ulimits:', '  nproc: 65535', '  nofile:', '    soft: 20000', '    hard: 40000'],
    'ulimits',
    {
      nproc: { soft: 65535, hard: 65535 },
      nofile: { soft: 20000, hard: 40000 },
    },
  ),
  field('user', ['user: someone'], 'user', 'someone'),
  refused('volumes (anonymous)', ['volumes:', '  - /var/lib/anonymous'], 'stack.anonymous-volume'),
  field('volumes (absolute bind)', ['volumes:', '  - /opt/data:/var/lib/data'], 'mounts', [
    { type: 'bind', source: '/opt/data', target: '/var/lib/data', readOnly: false },
  ]),
  field('volumes (relative bind)', ['volumes:', '  - ./static:/var/www/html'], 'mounts', [
    { type: 'bind', source: './static', target: '/var/www/html', readOnly: false },
  ]),
  refused('volumes (home bind)', ['volumes:', '  - ~/configs:/etc/configs:ro'], 'stack.invalid-volume'),
  field(
    'volumes (named)',
    ['volumes:', '  - datavolume:/var/lib/volume'],
    'mounts',
    [{ type: 'volume', source: 'datavolume', target: '/var/lib/volume', readOnly: false }],
    ['volumes:', '  datavolume:'],
  ),
  field(
    'volumes (long bind, consistency)',
    ['volumes:', '  - type: bind', '    source: ./opt', '    target: /opt/cached', '    consistency: cached'],
    'mounts',
    [{ type: 'bind', source: './opt', target: '/opt/cached', readOnly: false }],
  ),
  field(
    'volumes (long tmpfs)',
    ['volumes:', '  - type: tmpfs', '    target: /opt/tmpfs', '    tmpfs:', '      size: 10000'],
    'mounts',
    [{ type: 'tmpfs', target: '/opt/tmpfs', sizeBytes: 10000 }],
  ),
  field('working_dir', ['working_dir: /code'], 'workingDir', '/code'),
  passes('x-bar / x-foo', ['x-bar: baz', 'x-foo: bar'], { s: { image: 'busybox' } }),
  field('expose', ['expose:', '  - "3000"', '  - 8000'], 'ports', []),
  refused('secrets (external)', ['secrets: [secret2]'], 'unsupported.secrets.external', [
    'secrets:',
    '  secret2:',
    '    external: true',
  ]),
  refused(
    'top-level networks.other-network.ipam',
    ['networks: [other-network]'],
    'unsupported.network.ipam',
    ['networks:', '  other-network:', '    ipam:', '      config:', '        - subnet: 172.28.0.0/16'],
  ),
  refused(
    'top-level networks.external-network',
    ['networks: [external-network]'],
    'unsupported.network.external',
    ['networks:', '  external-network:', '    external: true'],
  ),
  refused(
    'top-level volumes.another-volume.name',
    ['volumes: ["another-volume:/v"]'],
    'unsupported.volume.name',
    ['volumes:', '  another-volume:', '    name: "user_specified_name"'],
  ),
  refused(
    'top-level volumes.external-volume',
    ['volumes: ["external-volume:/v"]'],
    'unsupported.volume.external',
    ['volumes:', '  external-volume:', '    external: true'],
  ),
  refused('top-level configs.config3', ['configs: [config3]'], 'unsupported.configs.external', [
    'configs:',
    '  config3:',
    '    external: true',
  ]),
  refused('top-level secrets.secret4', ['secrets: [secret4]'], 'unsupported.secrets.environment', [
    'secrets:',
    '  secret4:',
    '    environment: BAR',
  ]),
];
