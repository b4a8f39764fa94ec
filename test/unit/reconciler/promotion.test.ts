import { describe, expect, it } from 'vitest';
import {
  checkBranchMove,
  checkTargetGate,
  choosePromotion,
  type PromotionRequest,
} from '../../../src/reconciler/promotion.js';
import type { Diagnostic } from '../../../src/stack/diagnostics.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);

const request = (over: Partial<PromotionRequest> = {}): PromotionRequest => ({
  from: 'gw/dev',
  to: 'gw/prod',
  fromBranch: 'main',
  toBranch: 'production',
  good: [B, A],
  passes: [
    {
      commit: C,
      result: 'failed',
      health: 'Degraded',
      error: { reason: 'RolloutFailed', message: 'web exited 1' },
    },
    { commit: B, result: 'applied', health: 'Healthy' },
    { commit: D, result: 'applied', health: 'Progressing' },
    { commit: A, result: 'applied', health: 'Healthy' },
  ],
  ...over,
});

describe('choosePromotion', () => {
  it('defaults to the newest commit deployed healthy in the source environment', () => {
    expect(choosePromotion(request())).toEqual({ ok: true, commit: B });
  });

  it('takes a commit asked for by sha or prefix when it was deployed healthy', () => {
    expect(choosePromotion(request({ commit: A }))).toEqual({ ok: true, commit: A });
    expect(choosePromotion(request({ commit: 'AAAAAAA' }))).toEqual({ ok: true, commit: A });
  });

  it('refuses a commit that failed in the source environment, saying why it failed', () => {
    const choice = choosePromotion(request({ commit: C.slice(0, 10) }));
    expect(choice).toMatchObject({ ok: false, reason: 'failed-in-source' });
    expect(!choice.ok && choice.message).toMatch(
      /commit cccccccccccc failed in gw\/dev \(RolloutFailed: web exited 1\)/,
    );
  });

  it('refuses a commit that never became healthy, and one never seen, naming the healthy ones', () => {
    for (const commit of [D, 'e'.repeat(40)]) {
      const choice = choosePromotion(request({ commit }));
      expect(choice).toMatchObject({ ok: false, reason: 'never-healthy' });
      expect(!choice.ok && choice.message).toContain(`healthy: ${B.slice(0, 12)}, ${A.slice(0, 12)}`);
    }
  });

  it('refuses when nothing was healthy yet, when both environments share a branch, and a non-sha', () => {
    expect(choosePromotion(request({ good: [] }))).toMatchObject({ ok: false, reason: 'no-healthy-commit' });
    const shared = choosePromotion(request({ toBranch: 'main' }));
    expect(shared).toMatchObject({ ok: false, reason: 'same-branch' });
    expect(!shared.ok && shared.message).toContain("both deploy branch 'main'");
    expect(choosePromotion(request({ commit: 'main' }))).toMatchObject({ ok: false, reason: 'bad-commit' });
    expect(choosePromotion(request({ commit: 'abc' }))).toMatchObject({ ok: false, reason: 'bad-commit' });
  });

  it('refuses a prefix that names two healthy commits', () => {
    const twins = ['abcdef0' + '1'.repeat(33), 'abcdef0' + '2'.repeat(33)];
    expect(choosePromotion(request({ good: twins, commit: 'abcdef0' }))).toMatchObject({
      ok: false,
      reason: 'bad-commit',
    });
  });
});

describe('checkBranchMove', () => {
  it('allows only a fast-forward of the target branch', () => {
    expect(checkBranchMove('gw/prod', 'production', { commit: B, head: A, headIsAncestor: true })).toEqual({
      ok: true,
      commit: B,
      creates: false,
    });
    const behind = checkBranchMove('gw/prod', 'production', { commit: A, head: B, headIsAncestor: false });
    expect(behind).toMatchObject({ ok: false, reason: 'not-fast-forward' });
    expect(!behind.ok && behind.message).toContain('is not a fast-forward');
    expect(
      checkBranchMove('gw/prod', 'production', { commit: A, head: A, headIsAncestor: true }),
    ).toMatchObject({
      ok: false,
      reason: 'already-there',
    });
  });

  it('creates a target branch that does not exist yet at the commit (the first promotion)', () => {
    expect(
      checkBranchMove('gw/prod', 'production', { commit: B, head: undefined, headIsAncestor: false }),
    ).toEqual({ ok: true, commit: B, creates: true });
  });
});

describe('checkTargetGate', () => {
  const finding = (line: number, rule: string, message: string): Diagnostic => ({
    file: 'compose.yaml',
    line,
    column: 12,
    rule,
    message,
    path: '',
  });

  it("passes a commit the target environment's gate admits", () => {
    expect(checkTargetGate('gw/prod', 'strict', B, { ok: true })).toEqual({ ok: true, commit: B });
  });

  it("refuses a commit the target's policy refuses, quoting the located findings in order", () => {
    const choice = checkTargetGate('gw/prod', 'strict', B, {
      ok: false,
      refusal: 'invalid',
      reason: 'image.registry: …',
      diagnostics: [
        finding(9, 'image.latest', 'image "x:latest" uses the moving tag'),
        finding(4, 'image.registry', 'image "ghcr.io/x:1" comes from ghcr.io'),
      ],
    });
    expect(choice).toMatchObject({ ok: false, reason: 'refused-by-target' });
    expect(!choice.ok && choice.message).toBe(
      `commit ${B.slice(0, 12)} would be refused by gw/prod's gate (policy 'strict'): ` +
        'compose.yaml:4:12: image.registry: image "ghcr.io/x:1" comes from ghcr.io; ' +
        'compose.yaml:9:12: image.latest: image "x:latest" uses the moving tag; ' +
        'nothing was moved, gw/prod keeps running what it runs',
    );
  });

  it('quotes the first few findings and counts the rest', () => {
    const many = Array.from({ length: 8 }, (_, i) => finding(i + 1, 'ports.range', `port ${i}`));
    const choice = checkTargetGate('gw/prod', 'strict', B, {
      ok: false,
      refusal: 'invalid',
      reason: 'ports.range: port 0',
      diagnostics: many,
    });
    expect(!choice.ok && choice.message).toContain('compose.yaml:5:12: ports.range: port 4 (and 3 more)');
    expect(!choice.ok && choice.message).not.toContain('port 5');
  });

  it("refuses a commit the target's signing rule refuses, with the signature verdict", () => {
    const choice = checkTargetGate('gw/prod', 'strict', B, {
      ok: false,
      refusal: 'untrusted',
      reason: 'not signed by a trusted key',
      diagnostics: [],
    });
    expect(choice).toMatchObject({ ok: false, reason: 'refused-by-target' });
    expect(!choice.ok && choice.message).toContain(
      "would be refused by gw/prod's gate (policy 'strict'): it is not signed as gw/prod requires (not signed by a trusted key)",
    );
  });
});
