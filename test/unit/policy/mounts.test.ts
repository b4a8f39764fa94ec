import { describe, expect, it } from 'vitest';
import { check, normaliserRules, only, refusals } from './helpers.js';

const ROOT = '/global/cfs/cdirs/{project}';
const P = only('mounts', { mounts: { allowedRoots: [ROOT] } });

describe('mounts.bind-root', () => {
  it('refuses host paths outside the allowed roots, in every syntax', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes:
              - /data:/data
              - type: bind
                source: /scratch/x
                target: /x
              - /global/cfs/cdirs/other/x:/o
              - /global/cfs/cdirs/demo/../other:/p
        volumes:
          nfs:
            driver_opts: { type: nfs, o: "addr=10.0.0.1", device: ":/export" }
          hostdir:
            driver_opts:
              type: none
              o: bind
              device: /srv/data
        `,
        P,
      ),
    ).toEqual([
      '5:mounts.bind-root',
      '7:mounts.bind-root',
      '9:mounts.bind-root',
      '10:mounts.bind-root',
      // Volume types other than tmpfs (nfs, `none` + bind) are refused before their device is read.
      '13:mounts.volume-options',
      '16:mounts.volume-options',
    ]);
  });
  it('refuses home folders and named pipes on its own as well as in the loader', () => {
    const yaml = `
      services:
        a:
          image: nginx:1
          volumes:
            - ~/minecraft:/data
            - type: npipe
              source: '\\\\.\\pipe\\docker_engine'
              target: /pipe
    `;
    expect(normaliserRules(yaml)).toEqual(['stack.invalid-volume']);
    expect(refusals(yaml, P, { lenient: true })).toEqual(['5:mounts.bind-root', '7:mounts.bind-root']);
  });
  it('accepts allowed roots (templated by project), named and anonymous volumes and tmpfs', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            tmpfs: [/run]
            volumes:
              - /global/cfs/cdirs/demo/data:/data
              - /global/cfs/cdirs/demo/./a/../b/:/b
              - data:/var/lib/data
              - { type: tmpfs, target: /tmp, tmpfs: { size: 1000 } }
              - { type: volume, source: data, target: /more }
        volumes:
          data: {}
          scratch:
            driver_opts: { type: none, o: bind, device: /global/cfs/cdirs/demo/scratch }
        `,
        P,
      ),
      // A bind behind a volume is refused even from an allowed root: bind it as a service volume.
    ).toEqual(['14:mounts.volume-options']);
  });
});

describe('mounts.docker-socket', () => {
  it('refuses the socket however the path is spelt', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes:
              - /var/run/docker.sock:/var/run/docker.sock
              - //var/run/docker.sock:/s1
              - /var/run/../run/docker.sock:/s2:ro
              - type: bind
                source: /run/docker.sock
                target: /s3
              - \${SOCK}:/s4
              - /global/cfs/cdirs/demo/docker.sock:/s5
        `,
        P,
        { env: { SOCK: '/var//run/./docker.sock' } },
      ),
    ).toEqual([
      '5:mounts.docker-socket',
      '6:mounts.docker-socket',
      '7:mounts.docker-socket',
      '9:mounts.docker-socket',
      '11:mounts.docker-socket',
      '12:mounts.docker-socket',
    ]);
  });
  it('accepts a named volume mounted where the engine keeps its data', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    volumes: ["engine:/var/lib/docker"]\nvolumes:\n  engine: {}\n',
        P,
      ),
    ).toEqual([]);
  });
});

describe('mounts.sensitive-path', () => {
  it('refuses host system folders, after normalising the path', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes:
              - /:/host:ro
              - /etc/pihole/:/etc/pihole/
              - /proc:/p
              - /home/alice:/h
              - /var/lib/docker/volumes:/v
              - /global/cfs/cdirs/demo/../../../../etc:/e
        `,
        P,
      ),
    ).toEqual([
      '5:mounts.sensitive-path',
      '6:mounts.sensitive-path',
      '7:mounts.sensitive-path',
      '8:mounts.sensitive-path',
      '9:mounts.sensitive-path',
      '10:mounts.sensitive-path',
    ]);
  });
  it('accepts an allowed root inside /home', () => {
    const home = only('mounts', { mounts: { allowedRoots: ['/home/{project}'] } });
    expect(
      refusals('services:\n  a:\n    image: nginx:1\n    volumes: ["/home/demo/data:/data"]\n', home),
    ).toEqual([]);
  });
});

describe('mounts.escape', () => {
  it('refuses repository paths that leave the repository, for binds and for every file the loader reads', () => {
    const found = check(
      `
      include:
        - ../../other/compose.yaml
      services:
        a:
          image: nginx:1
          env_file:
            - ../../secrets.env
            - path: /etc/environment
          extends:
            file: ~/base.yaml
            service: web
          volumes:
            - ../../etc:/etc:ro
            - ./a/../../../..:/root:ro
      configs:
        c:
          file: ../../../etc/passwd
      secrets:
        s:
          file: ./../../id_rsa
      `,
      P,
      { stackDir: 'deploy' },
    );
    expect(found.map((d) => `${d.line}:${d.rule}`)).toEqual([
      '2:mounts.escape',
      '7:mounts.escape',
      '8:mounts.escape',
      '10:mounts.escape',
      '13:mounts.escape',
      '14:mounts.escape',
      '17:mounts.escape',
      '20:mounts.escape',
    ]);
    expect(found[4]?.message).toContain('"../../etc" resolves to "../etc"');
  });
  it('accepts relative paths that stay inside the repository', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            env_file: .env
            volumes:
              - ../shared/conf:/conf:ro
        configs:
          c:
            file: ../shared/app.conf
        `,
        P,
        { stackDir: 'deploy' },
      ),
    ).toEqual([]);
  });
});

describe('mounts.repo-writable', () => {
  it('refuses writable binds of repository files', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes:
              - ./app:/app
              - .:/code:rw
              - type: bind
                source: ./conf
                target: /conf
              - type: bind
                source: ./data
                target: /data
                read_only: \${RO}
        `,
        P,
        { env: { RO: 'false' } },
      ),
    ).toEqual([
      '5:mounts.repo-writable',
      '6:mounts.repo-writable',
      '8:mounts.repo-writable',
      '11:mounts.repo-writable',
    ]);
  });
  it('accepts read-only binds in both syntaxes', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes:
              - ./app:/app:ro
              - ./conf:/conf:ro
              - { type: bind, source: ./proxy/nginx.conf, target: /etc/nginx/nginx.conf, read_only: true }
        `,
        P,
      ),
    ).toEqual([]);
  });
});

describe('mounts.propagation', () => {
  it('refuses shared propagation in both syntaxes', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            volumes:
              - /global/cfs/cdirs/demo/x:/x:rshared
              - type: bind
                source: /global/cfs/cdirs/demo/y
                target: /y
                bind:
                  propagation: shared
        `,
        P,
      ),
    ).toEqual(['5:mounts.propagation', '10:mounts.propagation']);
  });
  it('accepts slave and private propagation', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    volumes: ["/global/cfs/cdirs/demo/x:/x:rslave"]\n',
        P,
      ),
    ).toEqual([]);
  });
});

describe('mounts.volume-driver', () => {
  it('refuses volume drivers outside the allow list', () => {
    expect(
      refusals('services:\n  a:\n    image: nginx:1\nvolumes:\n  v:\n    driver: local-persist\n', P),
    ).toEqual(['6:mounts.volume-driver']);
  });
  it('accepts the local driver', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\nvolumes:\n  v:\n    driver: local\n', P)).toEqual(
      [],
    );
  });
});
