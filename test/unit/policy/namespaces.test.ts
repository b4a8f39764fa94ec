import { describe, expect, it } from 'vitest';
import { only, refusals } from './helpers.js';

const P = only('namespaces');

describe('namespaces.host', () => {
  it('refuses host for every namespace key, in any case and through variables', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            network_mode: host
            pid: HOST
            ipc: host
            uts: host
            userns_mode: "\${NS}"
        `,
        P,
        { env: { NS: 'host' } },
      ),
    ).toEqual([
      '4:namespaces.host',
      '5:namespaces.host',
      '6:namespaces.host',
      '7:namespaces.host',
      '8:namespaces.host',
    ]);
  });
  it('accepts private namespaces, and host where the policy allows it', () => {
    expect(
      refusals('services:\n  a:\n    image: nginx:1\n    ipc: private\n    network_mode: none\n', P),
    ).toEqual([]);
    const open = only('namespaces', { namespaces: { allowHost: ['uts'] } });
    expect(refusals('services:\n  a:\n    image: nginx:1\n    uts: host\n', open)).toEqual([]);
  });
});

describe('namespaces.foreign-container', () => {
  it('refuses service:/container: targets outside the stack', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
          b:
            image: nginx:1
            network_mode: container:other-project-db-1
            pid: service:ghost
            ipc: container:a
          c:
            image: nginx:1
            pid: service:c
        `,
        P,
      ),
    ).toEqual([
      '6:namespaces.foreign-container',
      '7:namespaces.foreign-container',
      '8:namespaces.foreign-container',
      '11:namespaces.foreign-container',
    ]);
  });
  it('accepts another service of the same stack, by service or by replica container name', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
          b:
            image: nginx:1
            network_mode: service:a
            pid: container:demo_a_1
            ipc: service:a
        `,
        P,
      ),
    ).toEqual([]);
  });
  it("refuses a service left out by profiles:, as it never runs as this project's container", () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            profiles: [debug]
          b:
            image: nginx:1
            pid: service:a
        `,
        P,
      ),
    ).toEqual(['7:namespaces.foreign-container']);
  });
  it('refuses names of other projects, prefix look-alikes, the old scheme, and replicas that will not exist', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            deploy: { replicas: 2 }
          b:
            image: nginx:1
            network_mode: container:demo-web_a_1
            pid: container:demo-a-1
            ipc: Container:demo_a_3
          c:
            image: nginx:1
            network_mode: container:other_a_1
            pid: CONTAINER:demo_a_2
            ipc: container:demo_c_1
        `,
        P,
      ),
    ).toEqual([
      '7:namespaces.foreign-container',
      '8:namespaces.foreign-container',
      '9:namespaces.foreign-container',
      '12:namespaces.foreign-container',
      '14:namespaces.foreign-container',
    ]);
  });
});
