/**
 * The hostile corpus: what a researcher who controls only the repository might push, each with
 * the verdict the default policy must give and the layer that gives it:
 *   loader — the stack parser refuses it before any policy runs;
 *   both   — the YAML rules refuse it, and the last gate refuses the rendered request on its own;
 *   yaml   — only the YAML rules see it (the request as rendered is harmless: e.g. `image: x:latest`);
 *   gate   — the YAML rules miss it and only the last gate stops it.
 */
import { stack, volumeWith, type StackParts } from './stacks.js';

export type Layer = 'loader' | 'both' | 'yaml' | 'gate';

export interface HostileCase {
  name: string;
  yaml: string;
  env?: Record<string, string>;
  /** The rule that refuses it, or `accepted`. */
  expect: string;
  by?: Layer;
}

const cases: HostileCase[] = [];
const ok = (name: string, parts: StackParts, env?: Record<string, string>) =>
  cases.push({ name, yaml: stack(parts), env, expect: 'accepted' });
const no = (name: string, expect: string, by: Layer, parts: StackParts, env?: Record<string, string>) =>
  cases.push({ name, yaml: stack(parts), env, expect, by });
const raw = (name: string, expect: string, by: Layer | undefined, yaml: string) =>
  cases.push({ name, yaml, expect, by });

// ---- baseline
ok('the hardened baseline', {});
ok('a named volume', { service: ['volumes: ["data:/data"]'], top: ['volumes:', '  data: {}'] });

// ---- item 1: host files through a volume's driver_opts
const TMPFS_BIND_DEVICES = ['/etc', '/', '/var/run', '/srv/marker', '/var/lib/docker/volumes'];
for (const device of TMPFS_BIND_DEVICES) {
  no(
    `tmpfs + o: bind onto ${device}`,
    'mounts.bind-root',
    'both',
    volumeWith(['type: tmpfs', 'o: bind', `device: ${device}`]),
  );
}
for (const type of ['TMPFS', 'Tmpfs', 'tmpFS', ' tmpfs', 'tmpfs ']) {
  no(
    `type "${type}" with o: bind`,
    'mounts.volume-options',
    'both',
    volumeWith([`type: "${type}"`, 'o: bind', 'device: /etc']),
  );
}
for (const o of [
  'rbind',
  'bind,ro',
  'size=1m,bind',
  'ro,rbind',
  'BIND',
  ' bind',
  'bind ',
  'remount',
  'size=1m,,bind',
]) {
  no(
    `tmpfs with o: "${o}" and no device`,
    'mounts.volume-options',
    'both',
    volumeWith(['type: tmpfs', `o: "${o}"`]),
  );
}
no(
  'type none + o bind (the compose recipe for a host folder)',
  'mounts.volume-options',
  'both',
  volumeWith(['type: none', 'o: bind', 'device: /srv/data']),
);
no(
  'nfs',
  'mounts.volume-options',
  'both',
  volumeWith(['type: nfs', 'o: "addr=10.0.0.1,rw"', 'device: ":/export"']),
);
no(
  'cifs',
  'mounts.volume-options',
  'both',
  volumeWith(['type: cifs', 'o: "username=x,password=y"', 'device: //10.0.0.1/share']),
);
no(
  'ext4 on a host block device',
  'mounts.volume-options',
  'both',
  volumeWith(['type: ext4', 'device: /dev/sda1']),
);
no(
  'overlay with host dirs',
  'mounts.volume-options',
  'both',
  volumeWith(['type: overlay', 'o: "lowerdir=/etc,upperdir=/tmp/u,workdir=/tmp/w"', 'device: overlay']),
);
no('device without type', 'mounts.volume-options', 'both', volumeWith(['device: /etc']));
no('o without type', 'mounts.volume-options', 'both', volumeWith(['o: bind']));
no('an unknown driver_opts key', 'mounts.volume-options', 'both', volumeWith(['type: tmpfs', 'size: 1g']));
no(
  'tmpfs with a device other than tmpfs',
  'mounts.bind-root',
  'both',
  volumeWith(['type: tmpfs', 'device: /etc']),
);
no('tmpfs with device "TMPFS"', 'mounts.bind-root', 'both', volumeWith(['type: tmpfs', 'device: TMPFS']));
no(
  'tmpfs with o: exec (not a volume option)',
  'mounts.volume-options',
  'both',
  volumeWith(['type: tmpfs', 'o: exec']),
);
no(
  'tmpfs with an option spelt in capitals',
  'mounts.volume-options',
  'both',
  volumeWith(['type: tmpfs', 'o: "SIZE=1m"']),
);
no('tmpfs with an empty size', 'mounts.volume-options', 'both', volumeWith(['type: tmpfs', 'o: "size="']));
no('tmpfs with mode=abc', 'mounts.volume-options', 'both', volumeWith(['type: tmpfs', 'o: "mode=abc"']));
no(
  'tmpfs with a flag given a value',
  'mounts.volume-options',
  'both',
  volumeWith(['type: tmpfs', 'o: "noexec=1"']),
);
no(
  'tmpfs with a trailing comma',
  'mounts.volume-options',
  'both',
  volumeWith(['type: tmpfs', 'o: "size=1m,"']),
);
no(
  'tmpfs with a space after the comma',
  'mounts.volume-options',
  'both',
  volumeWith(['type: tmpfs', 'o: "size=1m, mode=700"']),
);
ok('tmpfs volume with size', volumeWith(['type: tmpfs', 'device: tmpfs', 'o: "size=64m"']));
ok(
  'tmpfs volume with every allowed option',
  volumeWith(['type: tmpfs', 'o: "size=64m,mode=1777,uid=1000,gid=1000,nr_inodes=1k,noexec,nosuid,nodev"']),
);
ok(
  'tmpfs volume with a duplicated size (the last wins)',
  volumeWith(['type: tmpfs', 'o: "size=1m,size=2m"']),
);
ok('tmpfs volume without o', volumeWith(['type: tmpfs']));
ok('tmpfs volume with an empty o', volumeWith(['type: tmpfs', 'o: ""']));
no(
  'driver_opts from interpolation',
  'mounts.volume-options',
  'both',
  volumeWith(['type: tmpfs', 'o: "${OPTS}"', 'device: /etc']),
  { OPTS: 'bind' },
);
no(
  'driver_opts type from interpolation',
  'mounts.volume-options',
  'both',
  volumeWith(['type: "${T}"', 'o: bind', 'device: /etc']),
  { T: 'none' },
);
no('a volume driver outside the list', 'mounts.volume-driver', 'both', {
  ...volumeWith(['type: tmpfs'], 'rexray/ebs'),
});
raw(
  'driver_opts through an anchor',
  'mounts.bind-root',
  'both',
  stack({
    head: ['x-opts: &opts', '  type: tmpfs', '  o: bind', '  device: /etc'],
    service: ['volumes: ["v:/data"]'],
    top: ['volumes:', '  v:', '    driver_opts: *opts'],
  }),
);
raw(
  'driver_opts through a merge key that overrides o',
  'mounts.volume-options',
  'both',
  stack({
    head: ['x-opts: &opts', '  type: tmpfs', '  o: size=1m'],
    service: ['volumes: ["v:/data"]'],
    top: ['volumes:', '  v:', '    driver_opts:', '      <<: *opts', '      o: rbind'],
  }),
);
raw(
  'driver_opts in flow style with a tag',
  'mounts.bind-root',
  'both',
  stack({
    service: ['volumes: ["v:/data"]'],
    top: ['volumes:', '  v:', '    driver_opts: { type: !!str tmpfs, o: !!str bind, device: !!str /etc }'],
  }),
);

// ---- service tmpfs
ok('service tmpfs with size and exec', { service: ['tmpfs: ["/run:size=64m,exec"]'] });
ok('long-syntax tmpfs', { service: ['volumes: [{ type: tmpfs, target: /tmp, tmpfs: { size: 1000000 } }]'] });
no('service tmpfs with bind', 'mounts.tmpfs-options', 'both', { service: ['tmpfs: ["/run:bind"]'] });
no('service tmpfs with rbind among others', 'mounts.tmpfs-options', 'both', {
  service: ['tmpfs: ["/run:size=1m,rbind"]'],
});
no('service tmpfs as a single string with suid', 'mounts.tmpfs-options', 'both', {
  service: ['tmpfs: "/run:suid"'],
});

// ---- item 7: mount option order, one reading
ok('repository file read-only', { service: ['volumes: ["./f.conf:/f.conf:ro"]'] });
no('repository file ro,rw (the engine takes the last: writable)', 'mounts.repo-writable', 'both', {
  service: ['volumes: ["./f.conf:/f.conf:ro,rw"]'],
});
ok('repository file rw,ro (the last is ro)', { service: ['volumes: ["./f.conf:/f.conf:rw,ro"]'] });
no('repository file without ro', 'mounts.repo-writable', 'both', {
  service: ['volumes: ["./f.conf:/f.conf"]'],
});
no('repository file long syntax read_only false', 'mounts.repo-writable', 'both', {
  service: ['volumes: [{ type: bind, source: ./f.conf, target: /f.conf, read_only: false }]'],
});
ok('repository file long syntax read_only true', {
  service: ['volumes: [{ type: bind, source: ./f.conf, target: /f.conf, read_only: true }]'],
});
no('repository file long syntax read_only " true"', 'schema.pattern', 'loader', {
  service: ['volumes: [{ type: bind, source: ./f.conf, target: /f.conf, read_only: " true" }]'],
});
no('ro,rprivate,rshared (the engine gets rshared)', 'mounts.propagation', 'both', {
  service: ['volumes: ["./f.conf:/f.conf:ro,rprivate,rshared"]'],
});
ok('ro,rshared,rprivate (the engine gets rprivate)', {
  service: ['volumes: ["./f.conf:/f.conf:ro,rshared,rprivate"]'],
});
no('long syntax propagation rshared', 'mounts.propagation', 'both', {
  service: [
    'volumes: [{ type: bind, source: ./f.conf, target: /f.conf, read_only: true, bind: { propagation: rshared } }]',
  ],
});
no('long syntax propagation in capitals', 'schema.enum', 'loader', {
  service: [
    'volumes: [{ type: bind, source: ./f.conf, target: /f.conf, read_only: true, bind: { propagation: RSHARED } }]',
  ],
});
no('ro option in capitals', 'stack.invalid-volume', 'loader', {
  service: ['volumes: ["./f.conf:/f.conf:RO"]'],
});
no('ro with a space', 'stack.invalid-volume', 'loader', { service: ['volumes: ["./f.conf:/f.conf: ro"]'] });
no(
  'ro from interpolation then rw',
  'mounts.repo-writable',
  'both',
  { service: ['volumes: ["./f.conf:/f.conf:${OPT}"]'] },
  { OPT: 'ro,rw' },
);

// ---- host paths
for (const [path, rule] of [
  ['/etc', 'mounts.sensitive-path'],
  ['/etc/shadow', 'mounts.sensitive-path'],
  ['/var/run/docker.sock', 'mounts.docker-socket'],
  ['//var//run/docker.sock', 'mounts.docker-socket'],
  ['/run/docker.sock', 'mounts.docker-socket'],
  ['/srv/data', 'mounts.bind-root'],
  ['/', 'mounts.sensitive-path'],
  ['/proc', 'mounts.sensitive-path'],
  ['/var/lib/docker', 'mounts.sensitive-path'],
  ['/home/x', 'mounts.sensitive-path'],
  ['/tmp/../etc', 'mounts.sensitive-path'],
] as const) {
  no(`bind ${path}`, rule, 'both', { service: [`volumes: ["${path}:/h:ro"]`] });
}
no('bind a repository path that leaves the repository', 'mounts.escape', 'yaml', {
  service: ['volumes: ["../../etc:/h:ro"]'],
});
no('bind a home folder', 'stack.invalid-volume', 'loader', { service: ['volumes: ["~/x:/h:ro"]'] });
no(
  'bind from interpolation',
  'mounts.sensitive-path',
  'both',
  { service: ['volumes: ["${SRC}:/h:ro"]'] },
  { SRC: '/etc' },
);

// ---- privilege
no('privileged', 'privilege.privileged', 'both', { service: ['privileged: true'] });
no(
  'privileged "true" from interpolation',
  'privilege.privileged',
  'both',
  { service: ['privileged: ${P}'] },
  { P: 'true' },
);
no('privileged through a merge key', 'privilege.privileged', 'both', {
  head: ['x-p: &p { privileged: true }'],
  service: ['<<: *p'],
});
ok('privileged false', { service: ['privileged: false'] });
for (const cap of [
  'SYS_ADMIN',
  'sys_admin',
  'CAP_SYS_ADMIN',
  'cap_sys_admin',
  'Cap_Sys_Admin',
  'NET_ADMIN',
  'SYS_PTRACE',
  'ALL',
  'all',
  'DAC_READ_SEARCH',
  'SYS_MODULE',
  'NET_RAW',
]) {
  no(`cap_add ${cap}`, 'privilege.cap-add', 'both', { service: [`cap_add: ["${cap}"]`] });
}
for (const cap of ['CHOWN', 'cap_chown', 'CAP_KILL'])
  ok(`cap_add ${cap}`, { service: [`cap_add: ["${cap}"]`] });
no('no cap_drop', 'privilege.cap-drop-all', 'both', {
  noHardening: true,
  service: ['user: "1000:1000"', 'security_opt: [no-new-privileges:true]'],
});
ok('cap_drop in lower case', {
  noHardening: true,
  service: ['user: "1000:1000"', 'cap_drop: [all]', 'security_opt: [no-new-privileges:true]'],
});
no('cap_drop of one capability only', 'privilege.cap-drop-all', 'both', {
  noHardening: true,
  service: ['user: "1000:1000"', 'cap_drop: [NET_RAW]', 'security_opt: [no-new-privileges:true]'],
});
for (const opt of [
  'seccomp=unconfined',
  'seccomp:unconfined',
  'apparmor=unconfined',
  'label=disable',
  'label:type:spc_t',
  'systempaths=unconfined',
]) {
  no(`security_opt ${opt}`, 'privilege.security-opt', 'both', {
    service: [`security_opt: [no-new-privileges:true, "${opt}"]`],
    noHardening: true,
    more: [],
  });
}
no('no-new-privileges false', 'privilege.no-new-privileges', 'both', {
  noHardening: true,
  service: ['user: "1000:1000"', 'cap_drop: [ALL]', 'security_opt: ["no-new-privileges:false"]'],
});
ok('no-new-privileges=true', {
  noHardening: true,
  service: ['user: "1000:1000"', 'cap_drop: [ALL]', 'security_opt: ["no-new-privileges=true"]'],
});
no('devices', 'unsupported.devices', 'loader', { service: ['devices: ["/dev/fuse:/dev/fuse"]'] });
no('cgroup host', 'unsupported.cgroup', 'loader', { service: ['cgroup: host'] });
no('cgroup_parent', 'unsupported.cgroup_parent', 'loader', { service: ['cgroup_parent: /system.slice'] });
no('a host sysctl', 'privilege.sysctls', 'both', { service: ['sysctls: { kernel.shmmax: "1" }'] });
no('ip_forward in the list form', 'privilege.sysctls', 'both', {
  service: ['sysctls: ["net.ipv4.ip_forward=1"]'],
});
ok('a namespaced safe sysctl', { service: ['sysctls: { net.ipv4.tcp_syncookies: "1" }'] });
// The YAML rule compares sysctl names without case; /proc/sys (and the engine) does not.
no('a safe sysctl spelt in capitals', 'privilege.sysctls', 'gate', {
  service: ['sysctls: { NET.IPV4.TCP_SYNCOOKIES: "1" }'],
});
// The YAML rule trims the value; the engine parses " true" as no boolean at all.
no('no-new-privileges with a space before true', 'privilege.no-new-privileges', 'gate', {
  noHardening: true,
  service: ['user: "1000:1000"', 'cap_drop: [ALL]', 'security_opt: ["no-new-privileges: true"]'],
});

// ---- ulimits (item 8)
no('ulimit rtprio', 'privilege.ulimits', 'both', { service: ['ulimits: { rtprio: 99 }'] });
no('ulimit rttime', 'privilege.ulimits', 'both', { service: ['ulimits: { rttime: 1 }'] });
no('ulimit nice', 'privilege.ulimits', 'both', { service: ['ulimits: { nice: { soft: 0, hard: 40 } }'] });
no('ulimit nofile above the host', 'privilege.ulimits', 'both', {
  service: ['ulimits: { nofile: { soft: 1024, hard: 10000000 } }'],
});
no('ulimit memlock unlimited-ish', 'privilege.ulimits', 'both', {
  service: ['ulimits: { memlock: 1099511627776 }'],
});
no('ulimit core', 'privilege.ulimits', 'both', { service: ['ulimits: { core: 1000000000 }'] });
no('ulimit soft above hard', 'privilege.ulimits', 'both', {
  service: ['ulimits: { nofile: { soft: 2048, hard: 1024 } }'],
});
no('ulimit name in capitals', 'privilege.ulimits', 'both', { service: ['ulimits: { NOFILE: 1024 }'] });
ok('ulimit nofile within the host default', {
  service: ['ulimits: { nofile: { soft: 1024, hard: 65536 } }'],
});
ok('ulimit nproc single value', { service: ['ulimits: { nproc: 512 }'] });
ok('ulimit core 0', { service: ['ulimits: { core: 0 }'] });

// ---- namespaces
for (const [key, value] of [
  ['network_mode', 'host'],
  ['pid', 'host'],
  ['ipc', 'host'],
] as const) {
  no(`${key}: ${value}`, 'namespaces.host', 'both', { service: [`${key}: ${value}`] });
}
no('network_mode HOST', 'stack.invalid-network-mode', 'loader', { service: ['network_mode: HOST'] });
no('uts host', 'unsupported.uts', 'loader', { service: ['uts: host'] });
no('userns_mode host', 'unsupported.userns_mode', 'loader', { service: ['userns_mode: host'] });
no('network_mode of another project', 'namespaces.foreign-container', 'both', {
  service: ['network_mode: "container:other-web-1"'],
});
no('pid of a prefix-sharing project', 'namespaces.foreign-container', 'both', {
  service: ['pid: "container:hc-x-app-1"'],
});
no('network_mode bridge', 'isolation.network-mode', 'both', { service: ['network_mode: bridge'] });
ok('network_mode none', { service: ['network_mode: none'] });
ok('network_mode of another service of the stack', {
  service: ['network_mode: "service:db"'],
  more: [['db', []]],
});
ok('ipc shareable', { service: ['ipc: shareable'] });

// ---- item 3: limits that mean unlimited
no('memory 0', 'resources.memory-minimum', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 0, cpus: "0.5" } } }'],
});
no('memory "0.5" (floors to 0 bytes)', 'resources.memory-minimum', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: "0.5", cpus: "0.5" } } }'],
});
no('mem_limit 0', 'resources.memory-minimum', 'both', {
  noLimits: true,
  service: ['mem_limit: 0', 'cpus: 0.5'],
});
no('mem_limit "0b"', 'resources.memory-minimum', 'both', {
  noLimits: true,
  service: ['mem_limit: "0b"', 'cpus: 0.5'],
});
no('memory 5MiB (below 6MiB)', 'resources.memory-minimum', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 5MiB, cpus: "0.5" } } }'],
});
ok('memory 6MiB', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 6MiB, cpus: "0.5" } } }'],
});
no(
  'memory from interpolation 0',
  'resources.memory-minimum',
  'both',
  { noLimits: true, service: ['deploy: { resources: { limits: { memory: "${MEM}", cpus: "0.5" } } }'] },
  { MEM: '0' },
);
no('cpus rounding to 0 NanoCPUs', 'resources.cpu-minimum', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0.0000000001" } } }'],
});
no('cpus 0.001 (below 0.01)', 'resources.cpu-minimum', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0.001" } } }'],
});
no('legacy cpus rounding to 0', 'resources.cpu-minimum', 'both', {
  noLimits: true,
  service: ['mem_limit: 64m', 'cpus: 0.0000000001'],
});
no('cpus 0', 'resources.limits-required', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0" } } }'],
});
ok('cpus 0.01', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0.01" } } }'],
});
no('pids_limit -1', 'resources.pids', 'both', { service: ['pids_limit: -1'] });
no('pids_limit 0', 'resources.pids', 'both', { service: ['pids_limit: 0'] });
no('deploy limits pids -1', 'resources.pids', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 64MiB, cpus: "0.5", pids: -1 } } }'],
});
no('pids above the ceiling', 'resources.pids', 'both', { service: ['pids_limit: 100000'] });
ok('pids_limit 100', { service: ['pids_limit: 100'] });
no('no limits at all', 'resources.limits-required', 'both', { noLimits: true });
no('memory above the ceiling', 'resources.memory-ceiling', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 32GiB, cpus: "0.5" } } }'],
});
no('cpus above the ceiling', 'resources.cpu-ceiling', 'both', {
  noLimits: true,
  service: ['deploy: { resources: { limits: { memory: 64MiB, cpus: "64" } } }'],
});

// ---- item 8: counts, ports, healthchecks
no('too many replicas', 'resources.replicas', 'yaml', {
  service: ['deploy: { replicas: 21 }'],
  noLimits: true,
});
no('many small replicas inside the memory quota', 'resources.containers', 'both', {
  more: [1, 2, 3, 4, 5].map((i): [string, string[]] => [`s${i}`, ['scale: 20']]),
});
no('a 201-port range', 'resources.published-ports', 'both', {
  service: ['ports: ["10000-10200:10000-10200"]'],
});
no('the 64,512-port range', 'resources.published-ports', 'both', {
  service: ['ports: ["1024-65535:1024-65535"]'],
});
ok('one published port', { service: ['ports: ["8080:80"]'] });
ok('a 10-port range', { service: ['ports: ["8000-8009:8000-8009"]'] });
// Without a host side Spin sends no port binding (the port is only exposed): nothing to count.
ok('a 200-port range with no host side', { service: ['ports: ["8000-8199"]'] });
no('a privileged host port', 'ports.privileged', 'both', { service: ['ports: ["80:80"]'] });
no('a privileged host port in the long syntax', 'ports.privileged', 'both', {
  service: ['ports: [{ target: 80, published: "22" }]'],
});
ok('a port on localhost', { service: ['ports: ["127.0.0.1:8080:80"]'] });
no('a 1ms healthcheck', 'resources.healthcheck', 'both', {
  service: ['healthcheck: { test: ["CMD", "true"], interval: 1ms }'],
});
no('a 500ms healthcheck', 'resources.healthcheck', 'both', {
  service: ['healthcheck: { test: ["CMD", "true"], interval: 500ms }'],
});
no('a 1ms start_interval', 'resources.healthcheck', 'yaml', {
  service: ['healthcheck: { test: ["CMD", "true"], interval: 5s, start_interval: 1ms }'],
});
no(
  'a healthcheck interval from interpolation',
  'resources.healthcheck',
  'both',
  { service: ['healthcheck: { test: ["CMD", "true"], interval: "${I}" }'] },
  { I: '10ms' },
);
// 1us rounds to 0 ms, which the engine reads as "its default" (30s): harmless, so accepted.
ok('a healthcheck interval that rounds to the default', {
  service: ['healthcheck: { test: ["CMD", "true"], interval: 1us }'],
});
ok('a 1s healthcheck', { service: ['healthcheck: { test: ["CMD", "true"], interval: 1s }'] });
ok('a disabled healthcheck', { service: ['healthcheck: { disable: true }'] });

// ---- item 5: logging
for (const driver of ['syslog', 'gelf', 'fluentd', 'journald', 'splunk', 'awslogs', 'none', 'JSON-FILE']) {
  no(`log driver ${driver}`, 'logging.driver', 'both', { service: [`logging: { driver: ${driver} }`] });
}
no('syslog to the docker socket', 'logging.driver', 'both', {
  service: ['logging: { driver: syslog, options: { syslog-address: "unix:///var/run/docker.sock" } }'],
});
no('gelf to host loopback', 'logging.driver', 'both', {
  service: ['logging: { driver: gelf, options: { gelf-address: "udp://127.0.0.1:12201" } }'],
});
no('an address option on json-file', 'logging.option', 'both', {
  service: [
    'logging: { driver: json-file, options: { max-size: 10m, syslog-address: "tcp://10.0.0.1:514" } }',
  ],
});
no('json-file with tag', 'logging.option', 'both', {
  service: ['logging: { driver: json-file, options: { max-size: 10m, tag: x } }'],
});
no('json-file with a huge max-size', 'logging.rotation', 'both', {
  service: ['logging: { driver: json-file, options: { max-size: 10g } }'],
});
no('json-file with max-size 0', 'logging.rotation', 'both', {
  service: ['logging: { driver: json-file, options: { max-size: "0" } }'],
});
no('json-file with a bad max-size', 'logging.rotation', 'both', {
  service: ['logging: { driver: json-file, options: { max-size: 10x } }'],
});
no('json-file with too many files', 'logging.rotation', 'both', {
  service: ['logging: { driver: json-file, options: { max-size: 10m, max-file: "1000" } }'],
});
no('local without rotation', 'logging.rotation', 'both', { service: ['logging: { driver: local }'] });
no(
  'a driver from interpolation',
  'logging.driver',
  'both',
  { service: ['logging: { driver: "${D}" }'] },
  { D: 'syslog' },
);
ok('json-file without options (rotation filled in)', { service: ['logging: { driver: json-file }'] });
ok('json-file with rotation', {
  service: ['logging: { driver: json-file, options: { max-size: 50m, max-file: "5", compress: "true" } }'],
});
ok('local with rotation', { service: ['logging: { driver: local, options: { max-size: 10m } }'] });
ok('options without a driver (the default driver)', { service: ['logging: { options: { max-size: 1m } }'] });

// ---- isolation and labels
no('a reserved label', 'stack.reserved-label', 'loader', { service: ['labels: { spin.project: other }'] });
no('a reserved label in capitals', 'isolation.reserved-label', 'both', {
  service: ['labels: { SPIN.Project: other }'],
});
no('a reserved label in the list form', 'stack.reserved-label', 'loader', {
  service: ['labels: ["spin.service=x"]'],
});
no('a reserved label on a volume', 'stack.reserved-label', 'loader', {
  service: ['volumes: ["v:/data"]'],
  top: ['volumes:', '  v:', '    labels: { spin.project: other }'],
});
no('a macvlan network', 'isolation.network-driver', 'both', {
  service: ['networks: [lan]'],
  top: ['networks:', '  lan: { driver: macvlan }'],
});
no('an external network', 'unsupported.network.external', 'loader', {
  service: ['networks: [shared]'],
  top: ['networks:', '  shared: { external: true }'],
});
no('container_name', 'isolation.container-name', 'yaml', { service: ['container_name: other-web-1'] });
no('volumes_from a container', 'unsupported.volumes_from', 'loader', {
  service: ['volumes_from: ["container:other-db-1"]'],
});

// ---- images
no('latest', 'image.latest', 'yaml', { image: 'nginx:latest' });
no('no tag', 'image.tag-required', 'yaml', { image: 'nginx' });
no('build', 'unsupported.build', 'loader', { service: ['build: .'] });

// ---- the attacker's audit of the remaining numeric and free-form fields (issue 12)
// stop_grace_period is StopTimeout: every stop, removal and rolling update waits it out.
no('a one-hour stop grace period', 'resources.stop-grace-period', 'both', {
  service: ['stop_grace_period: 1h'],
});
no('a stop grace period just above the ceiling', 'resources.stop-grace-period', 'both', {
  service: ['stop_grace_period: 60500ms'],
});
no(
  'a stop grace period from interpolation',
  'resources.stop-grace-period',
  'both',
  { service: ['stop_grace_period: "${GRACE}"'] },
  { GRACE: '24h' },
);
ok('a 60s stop grace period', { service: ['stop_grace_period: 60s'] });
for (const signal of ['SIGSTOP', 'tstp', 'SIGTTIN', '19', '65', 'SIGFOO']) {
  no(`stop_signal ${signal}`, 'resources.stop-signal', 'both', { service: [`stop_signal: "${signal}"`] });
}
// update_config never reaches the engine: the daemon sleeps `delay` and watches `monitor` itself.
no('a 1000h update delay', 'resources.update-wait', 'yaml', {
  noLimits: true,
  service: [
    'deploy: { resources: { limits: { memory: 64MiB, cpus: "0.5" } }, update_config: { delay: 1000h } }',
  ],
});
no('a one-day update monitor window', 'resources.update-wait', 'yaml', {
  noLimits: true,
  service: [
    'deploy: { resources: { limits: { memory: 64MiB, cpus: "0.5" } }, update_config: { monitor: 24h } }',
  ],
});
ok('stop_signal SIGQUIT', { service: ['stop_signal: SIGQUIT'] });
ok('stop_signal SIGRTMIN+3', { service: ['stop_signal: SIGRTMIN+3'] });
// Healthchecks that park a probe or keep a container `starting` while a rollout waits on it.
no('a one-hour healthcheck timeout', 'resources.healthcheck', 'both', {
  service: ['healthcheck: { test: ["CMD", "true"], interval: 5s, timeout: 1h }'],
});
no('a 1000h healthcheck interval', 'resources.healthcheck', 'both', {
  service: ['healthcheck: { test: ["CMD", "true"], interval: 1000h }'],
});
no('a one-day start period', 'resources.healthcheck', 'both', {
  service: ['healthcheck: { test: ["CMD", "true"], start_period: 24h }'],
});
no('a one-day start_interval', 'resources.healthcheck', 'yaml', {
  service: ['healthcheck: { test: ["CMD", "true"], start_interval: 24h }'],
});
no('a million healthcheck retries', 'resources.healthcheck', 'both', {
  service: ['healthcheck: { test: ["CMD", "true"], retries: 1000000 }'],
});
ok('a healthcheck at its ceilings', {
  service: [
    'healthcheck: { test: ["CMD", "true"], interval: 10m, timeout: 60s, start_period: 10m, retries: 100 }',
  ],
});
// Names and addresses only shape the container's own /etc/hosts and resolv.conf: well-formed is enough.
no('a hostname with a newline (a line of its own /etc/hosts)', 'network.hostname', 'both', {
  service: ['hostname: "a\\n10.0.0.1 db"'],
});
no('a 65-character hostname', 'network.hostname', 'both', { service: [`hostname: ${'h'.repeat(65)}`] });
no('a domainname with a space', 'network.hostname', 'both', { service: ['domainname: "lab example"'] });
no('a network alias with a space', 'network.hostname', 'both', {
  service: ['networks: { default: { aliases: ["a b"] } }'],
});
no('an ipv4_address that is not an address', 'network.hostname', 'both', {
  service: ['networks: { default: { ipv4_address: "10.0.0.1 x" } }'],
});
no('extra_hosts with a newline', 'network.extra-hosts', 'both', {
  service: ['extra_hosts: ["a:1.2.3.4\\n5.6.7.8 evil"]'],
});
no('extra_hosts naming a host, not an address', 'network.extra-hosts', 'both', {
  service: ['extra_hosts: ["db:other-project-db"]'],
});
no('extra_hosts as a map with a bad name', 'network.extra-hosts', 'both', {
  service: ['extra_hosts: { "a b": 10.0.0.1 }'],
});
ok('extra_hosts pointing a name at the metadata address', {
  service: ['extra_hosts: ["metadata:169.254.169.254", "gw:host-gateway", "v6=::1"]'],
});
no('dns naming a host', 'network.dns', 'both', { service: ['dns: [resolver.example.org]'] });
no('dns_search with a space', 'network.dns', 'both', { service: ['dns_search: ["a b"]'] });
ok('dns and dns_search', { service: ['dns: 1.1.1.1', 'dns_search: [lab.example.org]'] });
// Free text the engine stores and returns on every inspect and (labels) every list call.
no(
  'a 300 kB environment variable',
  'resources.request-size',
  'gate',
  { service: ['environment: { BIG: "${BIG}" }'] },
  { BIG: 'x'.repeat(300_000) },
);
no(
  'a 300 kB command',
  'resources.request-size',
  'gate',
  { service: ['command: ["${BIG}"]'] },
  { BIG: 'x'.repeat(300_000) },
);
no(
  'a 17 kB label',
  'resources.request-size',
  'gate',
  { service: ['labels: { big: "${BIG}" }'] },
  { BIG: 'x'.repeat(17_000) },
);
no(
  'a 17 kB volume label',
  'resources.request-size',
  'gate',
  { service: ['volumes: ["v:/data"]'], top: ['volumes:', '  v:', '    labels: { big: "${BIG}" }'] },
  { BIG: 'x'.repeat(17_000) },
);
// A chosen SELinux MCS level can be another container's categories, or a range over all of them.
no('security_opt label=level of another container', 'privilege.security-opt', 'both', {
  noHardening: true,
  service: [
    'user: "1000:1000"',
    'cap_drop: [ALL]',
    'security_opt: [no-new-privileges:true, "label=level:s0:c100,c200"]',
  ],
});
no('security_opt label:level over every category', 'privilege.security-opt', 'both', {
  noHardening: true,
  service: [
    'user: "1000:1000"',
    'cap_drop: [ALL]',
    'security_opt: [no-new-privileges:true, "label:level:s0-s0:c0.c1023"]',
  ],
});
// Refused before any policy runs: Spin names the key unsupported, or the stack schema has no such key.
for (const line of [
  'oom_score_adj: -1000',
  'oom_kill_disable: true',
  'cpu_shares: 100000',
  'cpuset: "0-63"',
  'cpu_rt_runtime: 950000',
  'blkio_config: { weight: 1000 }',
  'mem_swappiness: 100',
  'memswap_limit: -1',
  'kernel_memory: 1g',
  'mac_address: "02:42:ac:11:00:02"',
  'dns_opt: ["ndots:100"]',
  'group_add: [docker]',
  'device_cgroup_rules: ["b 8:* rwm"]',
  'gpus: all',
  'storage_opt: { size: 1G }',
  'isolation: hyperv',
]) {
  // Valid Compose keys are refused by name (unsupported.<key>); kernel_memory left Compose.
  const key = line.split(':')[0] ?? '';
  const rule = key === 'kernel_memory' ? 'schema.additionalProperties' : `unsupported.${key}`;
  no(line, rule, 'loader', { service: [line] });
}
for (const [line, rule] of [
  ['runtime: runc', 'unsupported.runtime'],
  ['cgroup_parent: /', 'unsupported.cgroup_parent'],
  ['cgroup: host', 'unsupported.cgroup'],
  ['uts: host', 'unsupported.uts'],
] as const) {
  no(line, rule, 'loader', { service: [line] });
}
// Harmless as they reach the engine: tmpfs and /dev/shm pages are charged to the container's
// memory limit, and init is the engine's own tini.
ok('a tmpfs larger than the memory limit', { service: ['tmpfs: ["/t:size=100g"]'] });
ok('init: true', { service: ['init: true'] });

// ---- YAML tricks
raw(
  'duplicate keys hiding privileged',
  'yaml.duplicate-key',
  'loader',
  stack({ service: ['privileged: false', 'privileged: true'] }),
);
raw('two documents', 'yaml.syntax', 'loader', `${stack({})}---\n${stack({ service: ['privileged: true'] })}`);
raw(
  'an alias of a whole hostile service',
  'privilege.privileged',
  'both',
  ['x-bad: &bad', '  image: spin-test/busybox:1', '  privileged: true', 'services:', '  app: *bad', ''].join(
    '\n',
  ),
);
raw(
  'a custom tag (read as its plain value)',
  'privilege.privileged',
  'both',
  stack({ service: ['privileged: !custom true'] }),
);
no('a merge key adding SYS_ADMIN', 'privilege.cap-add', 'both', {
  head: ['x-c: &c { cap_add: [SYS_ADMIN] }'],
  service: ['<<: *c'],
});
no('an anchor reused for the ulimit', 'privilege.ulimits', 'both', {
  head: ['x-u: &u 99'],
  service: ['ulimits: { rtprio: *u }'],
});
no('a merge key overriding limits with 0', 'resources.memory-minimum', 'both', {
  noLimits: true,
  head: ['x-l: &l { memory: 64MiB, cpus: "0.5" }'],
  service: ['deploy: { resources: { limits: { <<: *l, memory: "0" } } }'],
});

export const HOSTILE_CASES: readonly HostileCase[] = cases;
