import { describe, expect, it } from 'vitest';
import {
  describeChange,
  describeServiceDiff,
  diffServices,
  diffSpecs,
  summariseDiff,
  type ServiceSide,
} from '../../../src/reconciler/spec-diff.js';
import type { ServiceSpec } from '../../../src/stack/model.js';
import { service } from './fixtures.js';

const side = (overrides: Partial<ServiceSpec> = {}, extra: Record<string, string> = {}): ServiceSide => ({
  spec: service('web', overrides),
  extra,
});

describe('diffSpecs: what differs, field by field, in Compose words', () => {
  it('names the image with both tags', () => {
    expect(diffSpecs(side({ image: 'nginx:1.27' }), side({ image: 'nginx:1.28' }))).toEqual([
      { field: 'image', change: 'changed', from: 'nginx:1.27', to: 'nginx:1.28' },
    ]);
  });

  it('names environment keys added, removed and changed, never a value', () => {
    const before = side({ environment: { KEEP: 'same', DB_PASSWORD: 'hunter2', OLD: 'x' } });
    const after = side({ environment: { KEEP: 'same', DB_PASSWORD: 'correct-horse', NEW: 'y' } });
    const changes = diffSpecs(before, after);
    expect(changes).toEqual([
      { field: 'environment.DB_PASSWORD', change: 'changed' },
      { field: 'environment.NEW', change: 'added' },
      { field: 'environment.OLD', change: 'removed' },
    ]);
    const said = JSON.stringify(changes) + changes.map(describeChange).join('\n');
    for (const value of ['hunter2', 'correct-horse', 'same', '"x"', '"y"']) expect(said).not.toContain(value);
  });

  it('names mounts by target, ports, limits and reservations with readable values', () => {
    const before = side({
      mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }],
      ports: [{ target: 80, published: 8080, protocol: 'tcp' }],
      limits: { memoryBytes: 32 * 1024 ** 2, nanoCpus: 2e8 },
    });
    const after = side({
      mounts: [
        { type: 'volume', source: 'data', target: '/data', readOnly: true },
        { type: 'tmpfs', target: '/tmp', sizeBytes: 1024 ** 2 },
      ],
      ports: [{ target: 80, published: 8081, protocol: 'tcp' }],
      limits: { memoryBytes: 64 * 1024 ** 2, nanoCpus: 2e8, pids: 100 },
      reservations: { memoryBytes: 16 * 1024 ** 2 },
    });
    expect(diffSpecs(before, after).map(describeChange)).toEqual([
      'ports[80/tcp on 8080] removed (8080:80/tcp)',
      'ports[80/tcp on 8081] added (8081:80/tcp)',
      'volumes[/data] volume data (rw) -> volume data (ro)',
      'volumes[/tmp] added (tmpfs 1 MiB)',
      'limits.memory 32 MiB -> 64 MiB',
      'limits.pids added (100)',
      'reservations.memory added (16 MiB)',
    ]);
  });

  it("names a config's new content by digest and a secret's new value without any digest", () => {
    const mount = (source: string) => ({ source, target: `/run/${source}`, uid: 0, gid: 0, mode: 0o400 });
    const specs = { configs: [mount('app_conf')], secrets: [mount('db')] };
    const before = side(specs, { 'config:app_conf': 'a'.repeat(64), 'secret:db': 'keyed-digest-one' });
    const after = side(specs, { 'config:app_conf': 'b'.repeat(64), 'secret:db': 'keyed-digest-two' });
    const changes = diffSpecs(before, after);
    expect(changes).toEqual([
      {
        field: 'configs.app_conf.content',
        change: 'changed',
        from: `sha256:${'a'.repeat(12)}`,
        to: `sha256:${'b'.repeat(12)}`,
      },
      { field: 'secrets.db.value', change: 'changed' },
    ]);
    expect(JSON.stringify(changes)).not.toContain('keyed-digest');
  });

  it('shows values of plain settings, only names of those that may carry a secret', () => {
    const changes = diffSpecs(
      side({ restart: 'always', command: ['run', '--token=abc'], stopGracePeriodSeconds: 10 }),
      side({ restart: 'on-failure', command: ['run', '--token=def'], stopGracePeriodSeconds: 30 }),
    );
    expect(changes).toEqual([
      { field: 'command', change: 'changed' },
      { field: 'restart', change: 'changed', from: 'always', to: 'on-failure' },
      { field: 'stop_grace_period', change: 'changed', from: '10', to: '30' },
    ]);
  });

  it('names label keys only, and ignores what does not change a container (replicas, depends_on, update_config)', () => {
    const changes = diffSpecs(
      side({ labels: { team: 'a' }, replicas: 1 }),
      side({
        labels: { team: 'b' },
        replicas: 3,
        dependsOn: { db: { condition: 'service_started', required: true, restart: false } },
      }),
    );
    expect(changes).toEqual([{ field: 'labels.team', change: 'changed' }]);
  });
});

describe('diffServices: what happens to each service and why', () => {
  const running = (s: ServiceSide | undefined, hashes: string[]) => ({
    side: s,
    replicas: hashes.length,
    hashes,
  });
  const desired = (s: ServiceSide, hash: string, replicas = 1) => ({ side: s, hash, replicas });

  it('says create, remove, scale, none and recreate with the fields', () => {
    const diffs = diffServices(
      {
        gone: running(side(), ['h1']),
        same: running(side(), ['h2']),
        scaled: running(side(), ['h3']),
        web: running(side({ image: 'a:1' }), ['h4', 'h4']),
      },
      {
        fresh: desired(side(), 'h0'),
        same: desired(side(), 'h2'),
        scaled: desired(side(), 'h3', 3),
        web: desired(side({ image: 'a:2' }), 'h5', 2),
      },
    );
    expect(diffs.map((d) => [d.service, d.change])).toEqual([
      ['fresh', 'create'],
      ['gone', 'remove'],
      ['same', 'none'],
      ['scaled', 'scale'],
      ['web', 'recreate'],
    ]);
    expect(diffs.map(describeServiceDiff)).toEqual([
      'fresh: create, replicas 0 -> 1 (new service)',
      'gone: remove, replicas 1 -> 0 (no longer in the stack)',
      'same: no changes',
      'scaled: scale replicas 1 -> 3',
      'web: recreate (image a:1 -> a:2)',
    ]);
    expect(summariseDiff(diffs)).toBe('fresh create; gone remove; scaled scale; web recreate image');
  });

  it("blames a secret's value when the specs agree but the hashes do not", () => {
    const mount = { source: 'db', target: '/run/secrets/db', uid: 0, gid: 0, mode: 0o400 };
    const [diff] = diffServices(
      { web: running(side({ secrets: [mount] }), ['old']) },
      { web: desired(side({ secrets: [mount] }), 'new') },
    );
    expect(diff).toMatchObject({
      change: 'recreate',
      fields: [],
      reason: expect.stringMatching(/secret's value/),
    });
  });

  it('still says recreate when the running commit cannot be loaded, and why', () => {
    const [diff] = diffServices(
      { web: { replicas: 1, hashes: ['old'], unknownReason: 'the running commit abc is refused now' } },
      { web: desired(side(), 'new') },
    );
    expect(describeServiceDiff(diff!)).toBe(
      'web: recreate (configuration changed (the running commit abc is refused now))',
    );
  });

  it('summarises many fields short enough for a commit status', () => {
    const [diff] = diffServices(
      { web: running(side({ environment: { A: '1', B: '1', C: '1', D: '1' } }), ['old']) },
      { web: desired(side({ environment: { A: '2', B: '2', C: '2', D: '2' } }), 'new') },
    );
    expect(summariseDiff([diff!])).toBe('web recreate environment.A, environment.B, environment.C, +1');
  });
});
