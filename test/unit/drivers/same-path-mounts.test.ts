import { describe, expect, it } from 'vitest';
import { containerIdCandidates, sameHostPathProblems } from '../../../src/drivers/docker/same-path-mounts.js';

const dirs = [
  { key: 'stateDir', path: '/var/lib/spin' },
  { key: 'secrets.runtimeDir', path: '/run/spin' },
];
const socket = { Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock' };

describe('sameHostPathProblems', () => {
  it('accepts both folders bind-mounted from the identical host paths', () => {
    const mounts = [
      socket,
      { Type: 'bind', Source: '/var/lib/spin', Destination: '/var/lib/spin' },
      { Type: 'bind', Source: '/run/spin', Destination: '/run/spin' },
    ];
    expect(sameHostPathProblems(mounts, dirs)).toEqual([]);
  });

  it('accepts a folder inside a same-path bind of a parent folder', () => {
    const mounts = [{ Type: 'bind', Source: '/srv', Destination: '/srv' }];
    expect(sameHostPathProblems(mounts, [{ key: 'stateDir', path: '/srv/spin/state' }])).toEqual([]);
  });

  it('refuses a folder that lives in the container filesystem, naming the -v flag that fixes it', () => {
    const problems = sameHostPathProblems([socket], dirs);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('stateDir /var/lib/spin is not mounted from the host');
    expect(problems[0]).toContain('-v /var/lib/spin:/var/lib/spin');
    expect(problems[1]).toContain('secrets.runtimeDir /run/spin');
  });

  it('refuses a named volume: its host path is under the engine root, not the same path', () => {
    const mounts = [
      { Type: 'volume', Source: '/var/lib/docker/volumes/spin-state/_data', Destination: '/var/lib/spin' },
      { Type: 'bind', Source: '/run/spin', Destination: '/run/spin' },
    ];
    const problems = sameHostPathProblems(mounts, dirs);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('on a volume mount at /var/lib/spin');
  });

  it('refuses a bind from a different host path, saying where the engine would look', () => {
    const mounts = [
      { Type: 'bind', Source: '/srv/spin-state', Destination: '/var/lib/spin' },
      { Type: 'bind', Source: '/run/spin', Destination: '/run/spin' },
    ];
    const problems = sameHostPathProblems(mounts, [
      { key: 'stateDir', path: '/var/lib/spin/state' },
      dirs[1]!,
    ]);
    expect(problems).toEqual([
      expect.stringContaining(
        'bind-mounted from the host path /srv/spin-state at /var/lib/spin, so the engine would look for /srv/spin-state/state',
      ),
    ]);
  });

  it('lets the deepest mount decide, as the container filesystem does', () => {
    // A same-path parent does not help when a tmpfs is mounted over the folder itself.
    const mounts = [
      { Type: 'bind', Source: '/run', Destination: '/run' },
      { Type: 'tmpfs', Source: '', Destination: '/run/spin' },
      { Type: 'bind', Source: '/var/lib/spin', Destination: '/var/lib/spin' },
    ];
    const problems = sameHostPathProblems(mounts, dirs);
    expect(problems).toEqual([expect.stringContaining('secrets.runtimeDir /run/spin is on a tmpfs mount')]);
  });

  it('does not take /run/spin-other as covering /run/spin', () => {
    const mounts = [{ Type: 'bind', Source: '/run/spin', Destination: '/run/spin-other' }];
    expect(sameHostPathProblems(mounts, [dirs[1]!])[0]).toContain('not mounted from the host');
  });
});

describe('containerIdCandidates', () => {
  const id = 'a'.repeat(12) + 'b'.repeat(52);
  it('finds the full id in mount sources and cgroup paths, then the hostname', () => {
    const mountinfo = `612 590 0:51 /docker/containers/${id}/hostname /etc/hostname rw - ext4 /dev/vda rw\n`;
    const other = 'c'.repeat(64);
    const cgroup = `12:pids:/docker/${other}\n0::/system.slice/docker-${other}.scope\n`;
    expect(containerIdCandidates({ mountinfo, cgroup, hostname: 'aaaaaaaaaaaa\n' })).toEqual([
      id,
      other,
      'aaaaaaaaaaaa',
    ]);
  });

  it('offers nothing for a host that merely has a /.dockerenv and a plain hostname', () => {
    expect(
      containerIdCandidates({ mountinfo: '/ / rw\n', cgroup: '9:name=systemd:/\n', hostname: 'vm' }),
    ).toEqual([]);
  });
});
