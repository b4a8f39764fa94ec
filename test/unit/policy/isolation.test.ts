import { describe, expect, it } from 'vitest';
import { normaliserRules, only, refusals } from './helpers.js';

const P = only('isolation');

describe('isolation.container-name', () => {
  it('refuses container_name, also from a merge key', () => {
    expect(
      refusals('x-n: &n\n  container_name: web\nservices:\n  a:\n    <<: *n\n    image: nginx:1\n', P),
    ).toEqual(['2:isolation.container-name']);
  });
  it('accepts services without one', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    hostname: web\n', P)).toEqual([]);
  });
});

describe('isolation.external-links', () => {
  it('refuses each external link', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    external_links:\n      - redis\n      - db:mysql\n',
        P,
      ),
    ).toEqual(['5:isolation.external-links', '6:isolation.external-links']);
  });
  it('accepts links inside the stack', () => {
    expect(
      refusals('services:\n  a:\n    image: nginx:1\n    links: [b]\n  b:\n    image: nginx:1\n', P),
    ).toEqual([]);
  });
});

describe('isolation.volumes-from', () => {
  it('refuses containers and unknown services, and the service itself', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    volumes_from: ["container:other-db-1", "ghost:ro", a]\n',
        P,
      ),
    ).toEqual(['4:isolation.volumes-from', '4:isolation.volumes-from', '4:isolation.volumes-from']);
  });
  it('accepts another service of the stack', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    volumes_from: ["b:ro"]\n  b:\n    image: nginx:1\n',
        P,
      ),
    ).toEqual([]);
  });
});

describe('isolation.network-mode', () => {
  it('refuses the shared default bridge', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    network_mode: bridge\n', P)).toEqual([
      '4:isolation.network-mode',
    ]);
  });
  it("refuses another project's network by name, on its own as well as in the loader", () => {
    const yaml = 'services:\n  a:\n    image: nginx:1\n    network_mode: "${NET}"\n';
    const env = { NET: 'other_default' };
    expect(normaliserRules(yaml, env)).toContain('stack.invalid-network-mode');
    expect(refusals(yaml, P, { env, lenient: true })).toEqual(['4:isolation.network-mode']);
  });
  it('accepts none', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    network_mode: none\n', P)).toEqual([]);
  });
});

describe('isolation.network-driver', () => {
  it('refuses drivers that reach the physical network', () => {
    expect(
      refusals('services:\n  a:\n    image: nginx:1\nnetworks:\n  lan:\n    driver: macvlan\n', P),
    ).toEqual(['6:isolation.network-driver']);
  });
  it('accepts bridge', () => {
    expect(
      refusals('services:\n  a:\n    image: nginx:1\nnetworks:\n  lan:\n    driver: bridge\n', P),
    ).toEqual([]);
  });
});

describe('isolation.external-network', () => {
  it('refuses external networks and renamed networks', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
        networks:
          n1:
            external: true
          n2:
            external:
              name: other_default
          n3:
            name: other_default
        `,
        P,
      ),
    ).toEqual([
      '6:isolation.external-network',
      '9:isolation.external-network',
      '11:isolation.external-network',
    ]);
  });
  it('accepts allowed external networks (templated) and the name Spin would give', () => {
    const proxy = only('isolation', { isolation: { externalNetworks: ['proxy-{project}'] } });
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\nnetworks:\n  edge:\n    external: true\n    name: proxy-demo\n  own:\n    name: demo_own\n',
        proxy,
      ),
    ).toEqual([]);
  });
});

describe('isolation.external-volume', () => {
  it('refuses external and renamed volumes', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\nvolumes:\n  v1:\n    external: true\n  v2:\n    name: other_data\n',
        P,
      ),
    ).toEqual(['6:isolation.external-volume', '8:isolation.external-volume']);
  });
  it('accepts allowed external volumes', () => {
    const shared = only('isolation', { isolation: { externalVolumes: ['{project}-datasets'] } });
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\nvolumes:\n  d:\n    external: true\n    name: demo-datasets\n',
        shared,
      ),
    ).toEqual([]);
  });
});

describe('isolation.reserved-label', () => {
  it('refuses spin.* labels anywhere, in map and list form and any case (on its own too)', () => {
    const yaml = `
        services:
          a:
            image: nginx:1
            labels:
              spin.project: other
            deploy:
              labels: ["SPIN.managed=true"]
          b:
            image: nginx:1
            labels:
              - spin.commit
        networks:
          n:
            labels: { spin.managed: "true" }
        volumes:
          v:
            labels:
              spin.project: other
        `;
    expect(normaliserRules(yaml)).toContain('stack.reserved-label');
    expect(refusals(yaml, P, { lenient: true })).toEqual([
      '5:isolation.reserved-label',
      '7:isolation.reserved-label',
      '11:isolation.reserved-label',
      '14:isolation.reserved-label',
      '18:isolation.reserved-label',
    ]);
  });
  it('accepts other labels', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    labels: { org.example.spin.x: "1", spinach: "2" }\n',
        P,
      ),
    ).toEqual([]);
  });
});
