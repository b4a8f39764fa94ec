import { describe, expect, it } from 'vitest';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import { canonicalJson } from '../../../src/util/canonical-json.js';
import { service } from './fixtures.js';

describe('serviceConfigHash', () => {
  const base = service('web', {
    environment: { A: '1', B: '2' },
    ports: [{ target: 80, published: 8080, protocol: 'tcp' }],
  });
  const hash = serviceConfigHash('p', base);

  it('is a stable sha256, pinned so a Node or daemon upgrade cannot silently recreate everything', () => {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(serviceConfigHash('p', structuredClone(base))).toBe(hash);
    // Key order of the input does not matter.
    expect(serviceConfigHash('p', { ...base, environment: { B: '2', A: '1' } })).toBe(hash);
  });

  it('ignores the replica count, depends_on and the update strategy', () => {
    expect(serviceConfigHash('p', { ...base, replicas: 7 })).toBe(hash);
    expect(
      serviceConfigHash('p', {
        ...base,
        dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } },
      }),
    ).toBe(hash);
    expect(
      serviceConfigHash('p', { ...base, updateConfig: { ...base.updateConfig, order: 'start-first' } }),
    ).toBe(hash);
  });

  it.each([
    ['image', { image: 'spin-test/web:2' }],
    ['command', { command: ['sleep', '1'] }],
    ['environment value', { environment: { A: '1', B: '3' } }],
    ['ports', { ports: [{ target: 80, published: 8081, protocol: 'tcp' as const }] }],
    ['mounts', { mounts: [{ type: 'volume' as const, source: 'data', target: '/d', readOnly: false }] }],
    ['labels', { labels: { team: 'x' } }],
    ['memory limit', { limits: { memoryBytes: 1 << 20 } }],
    ['restart policy', { restart: 'always' as const }],
  ])('changes when %s changes', (_what, change) => {
    expect(serviceConfigHash('p', { ...base, ...change })).not.toBe(hash);
  });

  it('covers extra inputs such as file digests', () => {
    expect(serviceConfigHash('p', base, { 'config:app': 'sha256:aa' })).not.toBe(hash);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":1}]},"b":1}',
    );
  });
});
