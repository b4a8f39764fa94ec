import { describe, expect, it } from 'vitest';
import { deployVerdict, digestsNote } from '../../../src/daemon/commit-statuses.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';

const HEAD = 'a'.repeat(40);
const D = (c: string) => `sha256:${c.repeat(64)}`;
const base: ProjectStatus = {
  project: 'p',
  sync: 'Synced',
  health: 'Healthy',
  healthReason: '',
  services: {},
  desiredCommit: HEAD,
  appliedCommit: HEAD,
};

describe('commit status of pinned images', () => {
  it('names the digests that run on success, cut to fit a forge description', () => {
    const status = { ...base, images: { web: { ref: 'r/web:1', digest: D('1') }, db: { ref: 'db:1' } } };
    expect(deployVerdict(status)).toEqual({
      state: 'success',
      description: `deployed and healthy: web ${D('1').slice(0, 19)}`,
    });
    const many = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((s) => [s, { ref: `${s}:1`, digest: D('2') }]),
    );
    expect(digestsNote(many)).toMatch(/^: a sha256:2{12}, b sha256:2{12}, c sha256:2{12} \+2 more$/);
    expect(deployVerdict(base)).toEqual({ state: 'success', description: 'deployed and healthy' });
  });

  it('tells image failures apart: the commit’s to fix, or Spin’s to retry', () => {
    const at = '2026-12-01T00:00:00Z';
    const failing = (reason: 'ImageNotFound' | 'RegistryUnreachable') => ({
      ...base,
      sync: 'OutOfSync' as const,
      appliedCommit: 'b'.repeat(40),
      lastError: { reason, message: `${reason}: image r/web:9 could not be resolved`, commit: HEAD, at },
    });
    expect(deployVerdict(failing('ImageNotFound'))).toEqual({
      state: 'failure',
      description: 'ImageNotFound: image r/web:9 could not be resolved',
    });
    expect(deployVerdict(failing('RegistryUnreachable'))?.state).toBe('error');
  });
});
