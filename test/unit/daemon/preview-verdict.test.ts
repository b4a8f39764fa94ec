import { describe, expect, it } from 'vitest';
import { previewVerdict } from '../../../src/daemon/previews.js';
import type { PlanPreview } from '../../../src/reconciler/preview.js';

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
