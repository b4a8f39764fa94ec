import { describe, expect, it } from 'vitest';
import { check, only, refusals } from './helpers.js';

const P = only('resources');

describe('resources.limits-required', () => {
  it('refuses services without a memory or a CPU limit', () => {
    const found = check(
      `
      services:
        a:
          image: nginx:1
        b:
          image: nginx:1
          deploy:
            resources:
              limits:
                memory: 1g
        c:
          image: nginx:1
          mem_limit: 1g
      `,
      P,
    );
    expect(found.map((d) => `${d.line}:${d.rule}`)).toEqual([
      '3:resources.limits-required',
      '9:resources.limits-required',
      '11:resources.limits-required',
    ]);
    expect(found[1]?.message).toContain('no cpus limit');
  });
  it('accepts deploy limits and the legacy mem_limit/cpus', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            deploy: { resources: { limits: { memory: 1GiB, cpus: "1.5" } } }
          b:
            image: nginx:1
            mem_limit: 512m
            cpus: 0.5
        `,
        P,
      ),
    ).toEqual([]);
  });
});

const LIMITED = 'image: nginx:1\n    cpus: 1\n    mem_limit: ';

describe('resources.memory-ceiling', () => {
  it('refuses a memory limit above 16 GiB, also through a variable', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            deploy: { resources: { limits: { memory: 17g, cpus: "1" } } }
          b:
            image: nginx:1
            cpus: 1
            mem_limit: \${MEM}
        `,
        P,
        { env: { MEM: '16.5GiB' } },
      ),
    ).toEqual(['4:resources.memory-ceiling', '8:resources.memory-ceiling']);
  });
  it('accepts exactly the ceiling', () => {
    expect(refusals(`services:\n  a:\n    ${LIMITED}16g\n`, P)).toEqual([]);
  });
});

describe('resources.cpu-ceiling', () => {
  it('refuses more than 8 CPUs', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    mem_limit: 1g\n    deploy: { resources: { limits: { cpus: "8.5" } } }\n',
        P,
      ),
    ).toEqual(['5:resources.cpu-ceiling']);
  });
  it('accepts 8 CPUs, and more when the policy says so', () => {
    expect(refusals('services:\n  a:\n    image: nginx:1\n    mem_limit: 1g\n    cpus: 8\n', P)).toEqual([]);
    const big = only('resources', { resources: { maxCpusPerService: 32 } });
    expect(refusals('services:\n  a:\n    image: nginx:1\n    mem_limit: 1g\n    cpus: 16\n', big)).toEqual(
      [],
    );
  });
});

describe('resources.replicas', () => {
  it('refuses more than 20 replicas, from deploy.replicas or scale', () => {
    expect(
      refusals(
        `
        services:
          a:
            image: nginx:1
            cpus: 1
            mem_limit: 10m
            deploy: { replicas: 21 }
          b:
            image: nginx:1
            cpus: 1
            mem_limit: 10m
            scale: 50
        `,
        P,
      ),
    ).toEqual(['6:resources.replicas', '11:resources.replicas']);
  });
  it('accepts 20 replicas', () => {
    expect(refusals(`services:\n  a:\n    ${LIMITED}10m\n    deploy: { replicas: 20 }\n`, P)).toEqual([]);
  });
});

describe('resources.project-quota', () => {
  it('refuses a project whose limits x replicas exceed 64 GiB, across anchors', () => {
    const found = check(
      `
      x-big: &big
        image: nginx:1
        cpus: 1
        mem_limit: 8g
      services:
        a:
          <<: *big
          deploy: { replicas: 4 }
        b:
          <<: *big
          deploy: { replicas: 5 }
      `,
      P,
    );
    expect(found.map((d) => `${d.line}:${d.rule}`)).toEqual(['6:resources.project-quota']);
    expect(found[0]?.message).toContain('72GiB');
  });
  it('accepts exactly the quota, and counts CPUs when the policy sets a CPU quota', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    cpus: 2\n    mem_limit: 16g\n    deploy: { replicas: 4 }\n',
        P,
      ),
    ).toEqual([]);
    const cpuQuota = only('resources', { resources: { maxProjectCpus: 4 } });
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    cpus: 2\n    mem_limit: 1g\n    deploy: { replicas: 3 }\n',
        cpuQuota,
      ),
    ).toEqual(['2:resources.project-quota']);
  });
});
