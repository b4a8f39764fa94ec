import { describe, expect, it } from 'vitest';
import { check, only, refusals } from './helpers.js';

const P = only('privilege', { privilege: { requireCapDropAll: false, requireNoNewPrivileges: false } });

describe('privilege.privileged', () => {
  it('refuses privileged: true, also when it comes from a merge key or a variable', () => {
    expect(
      refusals(
        `
        x-base: &base
          privileged: true
        services:
          a:
            image: nginx:1
            privileged: true
          b:
            <<: *base
            image: nginx:1
          c:
            image: nginx:1
            privileged: \${PRIV}
        `,
        P,
        { env: { PRIV: 'true' } },
      ),
    ).toEqual(['2:privilege.privileged', '6:privilege.privileged', '12:privilege.privileged']);
  });
  it('accepts privileged: false', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    privileged: false\n', P)).toEqual([]);
  });
  it('is tunable', () => {
    const open = only('privilege', {
      privilege: { allowPrivileged: true, requireCapDropAll: false, requireNoNewPrivileges: false },
    });
    expect(refusals('services:\n  a:\n    image: nginx:1\n    privileged: true\n', open)).toEqual([]);
  });
});

describe('privilege.cap-drop-all', () => {
  const strict = only('privilege', { privilege: { requireNoNewPrivileges: false } });
  it('refuses a service without cap_drop: [ALL], at cap_drop or at the service', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
          b:
            image: nginx:1
            cap_drop: [NET_RAW]
        `,
        strict,
      ),
    ).toEqual(['3:privilege.cap-drop-all', '6:privilege.cap-drop-all']);
  });
  it('accepts ALL in any spelling', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    cap_drop: [all]\n  b:\n    image: nginx:1\n    cap_drop: [CAP_ALL]\n',
        strict,
      ),
    ).toEqual([]);
  });
});

describe('privilege.cap-add', () => {
  it('refuses capabilities outside the allow list in every spelling, at the list item', () => {
    const found = check(
      `
      x-caps: &caps [NET_ADMIN]
      services:
        a:
          image: nginx:1
          cap_add:
            - sys_admin
            - CAP_SYS_PTRACE
            - ALL
            - " Cap_Net_Raw "
        b:
          image: nginx:1
          cap_add: *caps
        c:
          image: nginx:1
          cap_add: ["\${CAP}"]
      `,
      P,
      { env: { CAP: 'CAP_SYS_MODULE' } },
    );
    expect(found.map((d) => `${d.line}:${d.column}:${d.rule}`)).toEqual([
      '1:16:privilege.cap-add',
      '6:9:privilege.cap-add',
      '7:9:privilege.cap-add',
      '8:9:privilege.cap-add',
      '9:9:privilege.cap-add',
      '15:15:privilege.cap-add',
    ]);
    expect(found[1]?.message).toContain('SYS_ADMIN is not allowed');
    expect(found[1]?.path).toBe('services.a.cap_add.0');
  });
  it('accepts allowed capabilities in any spelling', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    cap_add: [cap_net_bind_service, chown, CAP_SETUID]\n',
        P,
      ),
    ).toEqual([]);
  });
});

describe('privilege.security-opt', () => {
  it('refuses options that weaken confinement, in both separators', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            security_opt:
              - seccomp:unconfined
              - seccomp=/etc/profile.json
              - apparmor=unconfined
              - label:disable
              - label=type:spc_t
              - systempaths=unconfined
              - no-new-privileges=false
        `,
        P,
      ),
    ).toEqual([
      '5:privilege.security-opt',
      '6:privilege.security-opt',
      '7:privilege.security-opt',
      '8:privilege.security-opt',
      '9:privilege.security-opt',
      '10:privilege.security-opt',
      '11:privilege.security-opt',
    ]);
  });
  it('accepts no-new-privileges and the default AppArmor profile', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    security_opt: [no-new-privileges, apparmor=docker-default]\n',
        P,
      ),
    ).toEqual([]);
  });
  it("refuses a chosen MCS level: another container's categories, or a range over all of them", () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    security_opt: [no-new-privileges, "label=level:s0:c100,c200", "label:level:s0-s0:c0.c1023"]\n',
        P,
      ),
    ).toEqual(['4:privilege.security-opt', '4:privilege.security-opt']);
  });
});

describe('privilege.no-new-privileges', () => {
  const nnp = only('privilege', { privilege: { requireCapDropAll: false } });
  it('refuses a service that does not set it, or sets it false', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
          b:
            image: nginx:1
            security_opt: ["no-new-privileges:\${NNP}"]
        `,
        nnp,
        { env: { NNP: 'false' } },
      ),
    ).toEqual(['3:privilege.no-new-privileges', '6:privilege.no-new-privileges', '6:privilege.security-opt']);
  });
  it('accepts the bare, colon and equals forms', () => {
    expect(
      refusals(
        `
        services:
          a: { image: "nginx:1", security_opt: [no-new-privileges] }
          b: { image: "nginx:1", security_opt: ["no-new-privileges:true"] }
          c: { image: "nginx:1", security_opt: ["no-new-privileges=1"] }
        `,
        nnp,
      ),
    ).toEqual([]);
  });
});

describe('privilege.devices', () => {
  it('refuses devices, device cgroup rules, gpus and device reservations', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            devices:
              - /dev/fuse:/dev/fuse
            device_cgroup_rules: ["c 1:3 mr"]
            gpus: all
            deploy:
              resources:
                reservations:
                  devices:
                    - capabilities: [gpu]
        `,
        P,
      ),
    ).toEqual(['5:privilege.devices', '6:privilege.devices', '7:privilege.devices', '12:privilege.devices']);
  });
  it('accepts a service without devices, and devices when allowed', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n', P)).toEqual([]);
    const dev = only('privilege', {
      privilege: { allowDevices: true, requireCapDropAll: false, requireNoNewPrivileges: false },
    });
    expect(refusals('services:\n  a:\n    image: nginx:1\n    devices: [/dev/fuse]\n', dev)).toEqual([]);
  });
});

describe('privilege.cgroup', () => {
  it('refuses cgroup: host and cgroup_parent', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    cgroup: host\n    cgroup_parent: /system.slice\n',
        P,
      ),
    ).toEqual(['4:privilege.cgroup', '5:privilege.cgroup']);
  });
  it('accepts cgroup: private', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    cgroup: private\n', P)).toEqual([]);
  });
});

describe('privilege.sysctls', () => {
  it('refuses unsafe sysctls in map and list form', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            sysctls:
              kernel.msgmax: 65536
              net.ipv4.ip_unprivileged_port_start: 0
          b:
            image: nginx:1
            sysctls:
              - net.ipv4.conf.all.src_valid_mark=1
        `,
        P,
      ),
    ).toEqual(['5:privilege.sysctls', '10:privilege.sysctls']);
  });
  it('accepts the namespaced safe set', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    sysctls:\n      - net.ipv4.ip_unprivileged_port_start=80\n      - net.ipv4.ping_group_range=0 2147483647\n',
        P,
      ),
    ).toEqual([]);
  });
});

describe('the privilege group', () => {
  it('can be switched off', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    privileged: true\n', only('images'))).toEqual(
      [],
    );
  });
});
