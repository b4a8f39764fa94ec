import { describe, expect, it } from 'vitest';
import { previewVerdict } from '../../../src/daemon/previews.js';
import type { PlanPreview } from '../../../src/reconciler/preview.js';
import type { DiffPreview } from '../../../src/reconciler/diff-preview.js';

const base: PlanPreview = {
  project: 'gw',
  commit: 'a'.repeat(40),
  valid: true,
  diagnostics: [],
  actions: [{ kind: 'create', service: 'web', replica: 1, name: 'gw-web-1' }],
  summary: '',
};

describe('previewVerdict', () => {
  it('gives the plan summary, and the signature verdict when the project has trust keys', () => {
    expect(previewVerdict(base)).toEqual({
      state: 'success',
      description: 'policy ok; +1 created, 0 recreated, 0 removed',
    });
    expect(
      previewVerdict({ ...base, trust: { ok: true, keyId: '0123ABCD', fingerprint: 'f' } }).description,
    ).toBe('policy ok; +1 created, 0 recreated, 0 removed; signed by 0123ABCD');
    expect(
      previewVerdict({ ...base, trust: { ok: false, reason: 'signed by an unknown key 99AA' } }),
    ).toEqual({
      state: 'success',
      description:
        'policy ok; +1 created, 0 recreated, 0 removed; signed by an unknown key 99AA: deploys through a signed merge',
    });
  });

  it('refuses with the first located problem and a count of the rest', () => {
    const d = {
      file: 'compose.yaml',
      line: 3,
      column: 5,
      rule: 'privilege.privileged',
      message: 'no',
      path: '',
    };
    expect(previewVerdict({ ...base, valid: false, actions: [], diagnostics: [d, d] })).toEqual({
      state: 'failure',
      description: 'refused: compose.yaml:3:5: privilege.privileged: no (+1 more)',
    });
  });
});

describe('previewVerdict with a diff', () => {
  it("names the recreated services' changed fields in spin diff's words, never a value", () => {
    const diff: DiffPreview = {
      project: 'gw',
      commit: 'a'.repeat(40),
      running: ['b'.repeat(40)],
      valid: true,
      diagnostics: [],
      summary: '',
      services: [
        {
          service: 'web',
          change: 'recreate',
          replicas: { from: 1, to: 1 },
          fields: [
            { field: 'image', change: 'changed', from: 'nginx:1', to: 'nginx:2' },
            { field: 'environment.TOKEN', change: 'changed' },
            { field: 'limits.memory', change: 'changed', from: '32 MiB', to: '64 MiB' },
          ],
        },
        { service: 'db', change: 'none', replicas: { from: 1, to: 1 }, fields: [] },
      ],
    };
    const recreate: PlanPreview = {
      ...base,
      actions: [{ kind: 'recreate', service: 'web', replica: 1, name: 'gw_web_1', containerId: 'c' }],
    };
    expect(previewVerdict(recreate, diff).description).toBe(
      'policy ok; +0 created, 1 recreated, 0 removed (web recreate image, environment.TOKEN, +1)',
    );
  });
});
