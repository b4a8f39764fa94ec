/**
 * Stack-file cases from compose-go's loader, types and format tests and its full example: each
 * is a small stack file whose service `s` carries the upstream value.
 */
import type { StackCase } from './types.js';

const PORTS = 'compose-spec/compose-go types/types_test.go TestParsePortConfig';
const HOSTS = 'compose-spec/compose-go types/hostList_test.go';
const VOLUMES = 'compose-spec/compose-go format/volume_test.go';
const FULL = 'compose-spec/compose-go loader/full-example.yml';
const MAPPING = 'compose-spec/compose-go types/types_test.go TestNewMapping';

/** A stack whose one service `s` has `lines` (already indented for the service body). */
export function stack(lines: string[], top: string[] = []): string {
  return ['services:', '  s:', '    image: busybox', ...lines.map((l) => `    ${l}`), ...top, ''].join('\n');
}

const yamlString = (text: string): string => JSON.stringify(text);

const port = (value: string, ports: unknown[]): StackCase => ({
  source: `${PORTS} ${value}`,
  yaml: stack(['ports:', `  - ${yamlString(value)}`]),
  field: { name: 'ports', value: ports },
});
const portRefused = (value: string, rule: string, source = `${PORTS} ${value}`): StackCase => ({
  source,
  yaml: stack(['ports:', `  - ${yamlString(value)}`]),
  refused: rule,
});

const hosts = (doc: string, input: string[], expected: string[]): StackCase => ({
  source: `${HOSTS} ${doc}`,
  yaml: stack(['extra_hosts:', ...input.map((i) => `  - ${yamlString(i)}`)]),
  field: { name: 'extraHosts', value: expected },
});

const volume = (test: string, spec: string, mounts: unknown[], top: string[] = []): StackCase => ({
  source: `${VOLUMES} ${test} ${spec}`,
  yaml: stack(['volumes:', `  - ${yamlString(spec)}`], top),
  field: { name: 'mounts', value: mounts },
});
const volumeRefused = (test: string, spec: string, rule: string, top: string[] = []): StackCase => ({
  source: `${VOLUMES} ${test} ${spec}`,
  yaml: stack(['volumes:', `  - ${yamlString(spec)}`], top),
  refused: rule,
});
const named = ['volumes:', '  name:'];

export const STACK_CASES: StackCase[] = [
  // Ports
  port('80', [{ target: 80, protocol: 'tcp' }]),
  port('80:8080', [{ target: 8080, published: 80, protocol: 'tcp' }]),
  port('8080:80/tcp', [{ target: 80, published: 8080, protocol: 'tcp' }]),
  port('80:8080/udp', [{ target: 8080, published: 80, protocol: 'udp' }]),
  port('80-81:8080-8081/tcp', [
    { target: 8080, published: 80, protocol: 'tcp' },
    { target: 8081, published: 81, protocol: 'tcp' },
  ]),
  port('80-82:8080-8082/udp', [
    { target: 8080, published: 80, protocol: 'udp' },
    { target: 8081, published: 81, protocol: 'udp' },
    { target: 8082, published: 82, protocol: 'udp' },
  ]),
  port('80-80:8080/tcp', [{ target: 8080, published: 80, protocol: 'tcp' }]),
  port('1.1.1.1:80:80', [{ target: 80, published: 80, hostIp: '1.1.1.1', protocol: 'tcp' }]),
  // A host range for one container port: the engine would pick the port; refused by name.
  portRefused('80-90:8080', 'unsupported.port-range'),
  portRefused('80-82:8080/udp', 'unsupported.port-range'),
  portRefused('9999999', 'stack.invalid-port'),
  portRefused('80/xyz', 'stack.invalid-port'),
  portRefused('tcp', 'stack.invalid-port'),
  portRefused('udp', 'stack.invalid-port'),
  portRefused('', 'stack.invalid-port'),
  // Host IPs that are no address (Compose refuses them too).
  portRefused(
    '999.1.1.1:80:80',
    'stack.invalid-port',
    `${PORTS} (invalid host IP, as ParsePortConfig refuses)`,
  ),
  portRefused('1.2.3:80:80', 'stack.invalid-port', `${PORTS} (invalid host IP, as ParsePortConfig refuses)`),
  // full-example.yml ports, one by one
  port('3000', [{ target: 3000, protocol: 'tcp' }]),
  port(
    '3001-3005',
    [3001, 3002, 3003, 3004, 3005].map((target) => ({ target, protocol: 'tcp' })),
  ),
  port('8000:8000', [{ target: 8000, published: 8000, protocol: 'tcp' }]),
  port('9090-9091:8080-8081', [
    { target: 8080, published: 9090, protocol: 'tcp' },
    { target: 8081, published: 9091, protocol: 'tcp' },
  ]),
  port('49100:22', [{ target: 22, published: 49100, protocol: 'tcp' }]),
  port('127.0.0.1:8001:8001', [{ target: 8001, published: 8001, hostIp: '127.0.0.1', protocol: 'tcp' }]),
  port(
    '127.0.0.1:5000-5010:5000-5010',
    Array.from({ length: 11 }, (_, i) => ({
      target: 5000 + i,
      published: 5000 + i,
      hostIp: '127.0.0.1',
      protocol: 'tcp',
    })),
  ),

  // extra_hosts, with both separators as upstream runs the table
  ...(['=', ':'] as const).flatMap((sep) => [
    hosts(`IPv4 (${sep})`, [`myhost${sep}192.168.0.1`], ['myhost:192.168.0.1']),
    hosts(`IPv4 with brackets (${sep})`, [`myhost${sep}[192.168.0.1]`], ['myhost:192.168.0.1']),
    hosts(`Host and domain (${sep})`, [`host.invalid${sep}10.0.2.1`], ['host.invalid:10.0.2.1']),
    hosts(`IPv6 (${sep})`, [`anipv6host${sep}2003:ab34:e::1`], ['anipv6host:2003:ab34:e::1']),
    hosts(`IPv6, brackets (${sep})`, [`anipv6host${sep}[2003:ab34:e::1]`], ['anipv6host:2003:ab34:e::1']),
    hosts(`IPv6 localhost (${sep})`, [`ipv6local${sep}::1`], ['ipv6local:::1']),
    hosts(`IPv6 localhost, brackets (${sep})`, [`ipv6local${sep}[::1]`], ['ipv6local:::1']),
    hosts(
      `host-gateway special case (${sep})`,
      [`host.docker.internal${sep}host-gateway`],
      ['host.docker.internal:host-gateway'],
    ),
    hosts(
      `multiple inputs (${sep})`,
      [
        `myhost${sep}192.168.0.1`,
        `anipv6host${sep}[2003:ab34:e::1]`,
        `host.docker.internal${sep}host-gateway`,
      ],
      ['myhost:192.168.0.1', 'anipv6host:2003:ab34:e::1', 'host.docker.internal:host-gateway'],
    ),
    {
      source: `${HOSTS} bad host, colon (${sep})`,
      yaml: stack(['extra_hosts: ["::::1"]']),
      refused: 'stack.invalid-extra-host',
    },
    {
      source: `${HOSTS} bad host, eq (${sep})`,
      yaml: stack(['extra_hosts: ["=::1"]']),
      refused: 'stack.invalid-extra-host',
    },
    hosts(`both ipv4 and ipv6 (${sep})`, ['foo:127.0.0.2', 'foo:ff02::1'], ['foo:127.0.0.2', 'foo:ff02::1']),
    hosts(`list of values (${sep})`, ['foo=127.0.0.2,127.0.0.3'], ['foo:127.0.0.2', 'foo:127.0.0.3']),
  ]),
  {
    source: `${FULL} extra_hosts (mapping form, as its comment shows)`,
    yaml: stack(['extra_hosts:', '  somehost: "162.242.195.82"', '  otherhost: "50.31.209.229"']),
    field: { name: 'extraHosts', value: ['somehost:162.242.195.82', 'otherhost:50.31.209.229'] },
  },
  {
    source: `${FULL} extra_hosts`,
    yaml: stack(['extra_hosts:', '  - "otherhost:50.31.209.229"', '  - "somehost:162.242.195.82"']),
    field: { name: 'extraHosts', value: ['otherhost:50.31.209.229', 'somehost:162.242.195.82'] },
  },
  {
    source: `${HOSTS} (no IP: "invalid additional host, missing IP")`,
    yaml: stack(['extra_hosts: ["myhost"]']),
    refused: 'stack.invalid-extra-host',
  },

  // Volumes (short syntax)
  volumeRefused('TestParseVolumeAnonymousVolume', '/path', 'stack.anonymous-volume'),
  volumeRefused('TestParseVolumeAnonymousVolume', '/path/foo', 'stack.anonymous-volume'),
  volumeRefused('TestParseVolumeAnonymousVolumeWindows', 'C:\\path', 'stack.invalid-volume'),
  volumeRefused('TestParseVolumeAnonymousVolumeWindows', 'Z:\\path\\foo', 'stack.invalid-volume'),
  volumeRefused('TestParseVolumeTooManyColons', '/foo:/foo:ro:foo', 'stack.invalid-volume'),
  volumeRefused('TestParseVolumeShortVolumes', '.', 'stack.anonymous-volume'),
  volumeRefused('TestParseVolumeShortVolumes', '/a', 'stack.anonymous-volume'),
  volumeRefused('TestParseVolumeMissingSource', ':foo', 'stack.invalid-volume'),
  volumeRefused('TestParseVolumeMissingSource', '/foo::ro', 'stack.invalid-volume'),
  ...['./foo', '../other', '/foo', '/home/user'].map((path) =>
    volume('TestParseVolumeBindMount', `${path}:/target`, [
      { type: 'bind', source: path, target: '/target', readOnly: false },
    ]),
  ),
  volumeRefused('TestParseVolumeBindMount', '~/thing:/target', 'stack.invalid-volume'),
  ...['./foo', '~/thing', '../other', 'D:\\path', '/home/user'].map((path) =>
    volumeRefused('TestParseVolumeRelativeBindMountWindows', `${path}:d:\\target`, 'stack.invalid-volume'),
  ),
  volumeRefused(
    'TestParseVolumeWithDeviceWithMultipleColons',
    '/dev/usb-0:1.3:1.0-port0:/dev/usb-0:1.3:1.0-port0',
    'stack.invalid-volume',
  ),
  volume('TestParseVolumeWithBindOptions', '/source:/target:slave', [
    { type: 'bind', source: '/source', target: '/target', readOnly: false, propagation: 'slave' },
  ]),
  volumeRefused(
    'TestParseVolumeWithBindOptionsSELinuxShared',
    '/source:/target:ro,z',
    'stack.invalid-volume',
  ),
  volumeRefused(
    'TestParseVolumeWithBindOptionsSELinuxPrivate',
    '/source:/target:ro,Z',
    'stack.invalid-volume',
  ),
  volumeRefused(
    'TestParseVolumeWithBindOptionsWindows',
    'C:\\source\\foo:D:\\target:ro,rprivate',
    'stack.invalid-volume',
  ),
  volumeRefused(
    'TestParseVolumeWithInvalidVolumeOptions',
    'name:/target:bogus',
    'stack.invalid-volume',
    named,
  ),
  volume(
    'TestParseVolumeWithVolumeOptions',
    'name:/target:nocopy',
    [{ type: 'volume', source: 'name', target: '/target', readOnly: false, nocopy: true }],
    named,
  ),
  volumeRefused(
    'TestParseVolumeWithVolumeOptionsSubpath',
    'name:/target:nocopy,subpath=etc',
    'stack.invalid-volume',
    named,
  ),
  ...['./foo', '/home/user'].flatMap((path) => [
    volume('TestParseVolumeWithReadOnly', `${path}:/target:ro`, [
      { type: 'bind', source: path, target: '/target', readOnly: true },
    ]),
    volume('TestParseVolumeWithRW', `${path}:/target:rw`, [
      { type: 'bind', source: path, target: '/target', readOnly: false },
    ]),
  ]),
  volumeRefused(
    'TestParseVolumeWindowsNamedPipe',
    '\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\inside',
    'stack.invalid-volume',
  ),
  volumeRefused('TestParseVolumeInvalidEmptySpec', '', 'stack.anonymous-volume'),
  volumeRefused('TestParseVolumeInvalidSections', '/foo::rw', 'stack.invalid-volume'),
  volume('TestParseVolumeSplitCases', '/tmp/x/y:/foo/x/y', [
    { type: 'bind', source: '/tmp/x/y', target: '/foo/x/y', readOnly: false },
  ]),
  volume('TestVolumeStringer (without z)', '/src:/target:rw,shared', [
    { type: 'bind', source: '/src', target: '/target', readOnly: false, propagation: 'shared' },
  ]),

  // Environment: NewMappingWithEquals keeps a bare name unset (here: not in the project env).
  {
    source: `${MAPPING} (NewMappingWithEquals)`,
    yaml: stack(['environment: ["FOO=BAR", "ZOT=", "QIX"]']),
    field: { name: 'environment', value: { FOO: 'BAR', ZOT: '' } },
  },
  {
    source: `${MAPPING} (QIX taken from the project env)`,
    yaml: stack(['environment: ["FOO=BAR", "ZOT=", "QIX"]']),
    env: { QIX: 'from-env' },
    field: { name: 'environment', value: { FOO: 'BAR', ZOT: '', QIX: 'from-env' } },
  },
  {
    source: `${FULL} environment (QIX: with no value)`,
    yaml: stack(['environment:', '  BAZ: baz_from_service_def', '  QUX:']),
    field: { name: 'environment', value: { BAZ: 'baz_from_service_def' } },
  },
  {
    source: `${FULL} environment (QUX: from the project env)`,
    yaml: stack(['environment:', '  BAZ: baz_from_service_def', '  QUX:']),
    env: { QUX: 'qux' },
    field: { name: 'environment', value: { BAZ: 'baz_from_service_def', QUX: 'qux' } },
  },
  {
    source: `${FULL} environment (commented list form)`,
    yaml: stack(['environment:', '  - RACK_ENV=development', '  - SHOW=true', '  - SESSION_SECRET']),
    field: { name: 'environment', value: { RACK_ENV: 'development', SHOW: 'true' } },
  },
];
