import { describe, expect, it } from 'vitest';
import { check, normaliserRules, only, refusals } from './helpers.js';

const P = only('network');

describe('ports.privileged', () => {
  it('refuses host ports below 1024 in short, long, ranged and interpolated forms', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            ports:
              - 80:80
              - "127.0.0.1:443:443/tcp"
              - "1000-1030:8000-8030"
              - target: 80
                published: "444"
              - target: 53
                published: 53
                protocol: udp
              - "\${PORT}:80"
              - "[::1]:22:22"
        `,
        P,
        { env: { PORT: '8' } },
      ),
    ).toEqual([
      '5:ports.privileged',
      '6:ports.privileged',
      '7:ports.privileged',
      '9:ports.privileged',
      '11:ports.privileged',
      '13:ports.privileged',
      '14:ports.privileged',
    ]);
  });
  it('refuses a long-form published range on its own as well as in the loader', () => {
    const yaml =
      'services:\n  a:\n    image: nginx:1\n    ports:\n      - target: 80\n        published: "80-90"\n';
    // One container port on a host range (the engine picks a free one) is refused by name.
    expect(normaliserRules(yaml)).toEqual(['unsupported.port-range']);
    expect(refusals(yaml, P, { lenient: true })).toEqual(['6:ports.privileged']);
  });
  it('accepts high host ports and ports left to the engine', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            ports:
              - "8080:80"
              - 80
              - "443"
              - "127.0.0.1::80"
              - target: 80
              - target: 81
                published: "8081"
        `,
        P,
      ),
    ).toEqual([]);
  });
});

describe('ports.range', () => {
  const narrow = only('network', { network: { portRanges: ['8000-8099', '9000'] } });
  it('refuses ports and ranges outside the allowed ranges, and non-ports', () => {
    const found = check(
      `
      services:
        a:
          image: nginx:1
          ports:
            - "8200:80"
            - "8090-8110:8090-8110"
            - target: 80
              published: 9001
            - "\${HOST_PORT}:81"
      `,
      narrow,
      { env: { HOST_PORT: '7999' } },
    );
    expect(found.map((d) => `${d.line}:${d.rule}`)).toEqual([
      '5:ports.range',
      '6:ports.range',
      '8:ports.range',
      '9:ports.range',
    ]);
    expect(found[1]?.message).toContain('8090-8110');
  });
  it('refuses a published part that is not a port, on its own as well as in the loader', () => {
    const yaml = 'services:\n  a:\n    image: nginx:1\n    ports: ["${P}:80"]\n';
    expect(normaliserRules(yaml, { P: 'abc' })).toEqual(['stack.invalid-port']);
    expect(refusals(yaml, narrow, { env: { P: 'abc' }, lenient: true })).toEqual(['4:ports.range']);
  });
  it('refuses ports left to the engine when the ranges do not hold its ephemeral range', () => {
    const found = check(
      'services:\n  a:\n    image: nginx:1\n    ports:\n      - "80"\n      - "127.0.0.1::81"\n      - target: 82\n      - 83\n',
      narrow,
    );
    expect(found.map((d) => `${d.line}:${d.rule}`)).toEqual([
      '5:ports.range',
      '6:ports.range',
      '7:ports.range',
      '8:ports.range',
    ]);
    expect(found[0]?.message).toContain('32768-60999');
    const wide = only('network', { network: { portRanges: ['8000-8099', '30000-65535'] } });
    expect(refusals('services:\n  a:\n    image: nginx:1\n    ports: ["80", "8000:80"]\n', wide)).toEqual([]);
  });
  it('accepts ports and whole ranges inside the allowed ranges', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    ports: ["8000-8099:8000-8099", "9000:80"]\n',
        narrow,
      ),
    ).toEqual([]);
  });
});

describe('ports.host-ip', () => {
  const local = only('network', { network: { hostIps: ['127.0.0.1', '::1'] } });
  it('refuses other host IPs and ports without one (all interfaces)', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            ports:
              - "8080:80"
              - "0.0.0.0:8081:80"
              - target: 80
                published: 8082
                host_ip: 10.0.0.5
              - "8083"
        `,
        local,
      ),
    ).toEqual(['5:ports.host-ip', '6:ports.host-ip', '9:ports.host-ip', '10:ports.host-ip']);
  });
  it('accepts the allowed host IPs in v4, bracketed v6 and long form', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            ports:
              - "127.0.0.1:8080:80"
              - "[::1]:8081:80"
              - { target: 80, published: 8082, host_ip: 127.0.0.1 }
        `,
        local,
      ),
    ).toEqual([]);
  });
});
