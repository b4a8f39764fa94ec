import { describe, expect, it } from 'vitest';
import { only, policy, refusals } from './helpers.js';

const ROOT = '/global/cfs/cdirs/{project}';
const P = only('identity', { mounts: { allowedRoots: [ROOT], enabled: false } });

describe('identity.non-root-user', () => {
  it('refuses a service mounting a global root without a numeric non-root user', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes: ["/global/cfs/cdirs/demo/data:/data"]
          b:
            image: nginx:1
            user: postgres
            volumes: ["/global/cfs/cdirs/demo/data:/data"]
          c:
            image: nginx:1
            user: "0:1000"
            volumes: ["/global/cfs/cdirs/demo/data:/data"]
          d:
            image: nginx:1
            user: "1000:0"
            volumes: ["/global/cfs/cdirs/demo/data:/data"]
          e:
            image: nginx:1
            user: \${ID}
            volumes: [{ type: volume, source: gdata, target: /data }]
          f:
            image: nginx:1
            user: "1000:1000"
            group_add: [root]
            volumes: ["/global/cfs/cdirs/demo/data:/data"]
        volumes:
          gdata:
            driver_opts: { type: none, o: bind, device: /global/cfs/cdirs/demo/g }
        `,
        P,
        { env: { ID: '0' } },
      ),
    ).toEqual([
      '4:identity.non-root-user',
      '7:identity.non-root-user',
      '11:identity.non-root-user',
      '15:identity.non-root-user',
      '19:identity.non-root-user',
      '24:identity.non-root-user',
    ]);
  });
  it('accepts numeric non-root ids, and any user for services without a global mount', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            user: "1000:1000"
            volumes: ["/global/cfs/cdirs/demo/data:/data"]
          b:
            image: nginx:1
            user: 12345
            volumes: ["/global/cfs/cdirs/demo/data:/data:ro"]
          c:
            image: nginx:1
            volumes: ["./conf:/conf:ro", "cache:/cache"]
        volumes:
          cache: {}
        `,
        P,
      ),
    ).toEqual([]);
  });
});

describe('identity.cap-add', () => {
  const YAML = `
    services:
      a:
        image: nginx:1
        user: "1000:1000"
        volumes: ["/global/cfs/cdirs/demo/data:/data"]
        cap_add: [NET_BIND_SERVICE, cap_chown, SYS_ADMIN]
  `;
  it('refuses capabilities other than NET_BIND_SERVICE on a service with a global mount', () => {
    expect(refusals(YAML, P)).toEqual(['6:identity.cap-add', '6:identity.cap-add']);
  });
  it('reports a capability the privilege rules already refuse only once', () => {
    const both = policy({
      privilege: { requireCapDropAll: false, requireNoNewPrivileges: false },
      mounts: { enabled: false, allowedRoots: [ROOT] },
      images: { enabled: false },
      resources: { enabled: false },
    });
    expect(refusals(YAML, both)).toEqual(['6:identity.cap-add', '6:privilege.cap-add']);
  });
  it('accepts NET_BIND_SERVICE', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    user: "1000"\n    volumes: ["/global/cfs/cdirs/demo/d:/d"]\n    cap_add: [CAP_NET_BIND_SERVICE]\n',
        P,
      ),
    ).toEqual([]);
  });
});
