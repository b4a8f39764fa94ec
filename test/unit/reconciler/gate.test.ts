import { describe, expect, it } from 'vitest';
import type { DesiredResult } from '../../../src/reconciler/desired.js';
import { gateCommit, withSecretDigests, type GateReads } from '../../../src/reconciler/gate.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import type { Diagnostic } from '../../../src/stack/diagnostics.js';
import { desiredOf, model, service } from './fixtures.js';

const COMMIT = 'c'.repeat(40);
const api = service('api', {
  secrets: [{ source: 'db', target: '/run/secrets/db', uid: 0, gid: 0, mode: 0o400 }],
});
const web = service('web');
const loaded = desiredOf(model('gp', [api, web]), COMMIT);
const finding: Diagnostic = {
  file: 'compose.yaml',
  line: 3,
  column: 5,
  rule: 'policy.privileged',
  message: 'privileged is not allowed',
  path: 'services.web.privileged',
};

/** Reads that record what the gate asked for, in order. */
function reads(overrides: Partial<GateReads> = {}): GateReads & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    trust: async (commit) => {
      asked.push(`trust ${commit}`);
      return { ok: false, reason: 'commit is not signed' };
    },
    load: async (commit): Promise<DesiredResult> => {
      asked.push(`load ${commit}`);
      return { ok: true, desired: loaded, warnings: [] };
    },
    secrets: async (commit, admitted) => {
      asked.push(`secrets ${commit}`);
      return { ok: true, model: admitted.model, digests: new Map([['db', 'digest-1']]) };
    },
    ...overrides,
  };
}

describe('gateCommit', () => {
  it('refuses an untrusted commit before reading anything of it, located at the commit', async () => {
    const r = reads();
    const verdict = await gateCommit(COMMIT, r);
    expect(verdict).toMatchObject({ ok: false, refusal: 'untrusted', reason: 'commit is not signed' });
    if (verdict.ok) return;
    expect(verdict.diagnostics).toEqual([
      {
        file: `commit ${COMMIT.slice(0, 12)}`,
        line: 0,
        column: 0,
        rule: 'trust',
        message: 'untrusted commit: commit is not signed',
        path: '',
      },
    ]);
    expect(r.asked).toEqual([`trust ${COMMIT}`]);
  });

  it('reports the verdict for a review and gates the commit anyway', async () => {
    const r = reads();
    const verdict = await gateCommit(COMMIT, r, { trust: 'report' });
    expect(verdict.ok).toBe(true);
    expect(verdict.trust).toEqual({ ok: false, reason: 'commit is not signed' });
    expect(r.asked).toEqual([`trust ${COMMIT}`, `load ${COMMIT}`, `secrets ${COMMIT}`]);
  });

  it('does not ask for a signature of a commit deployed before', async () => {
    const r = reads();
    const verdict = await gateCommit(COMMIT, r, { trust: 'skip' });
    expect(verdict.ok).toBe(true);
    expect(verdict.trust).toBeUndefined();
    expect(r.asked).toEqual([`load ${COMMIT}`, `secrets ${COMMIT}`]);
  });

  it('refuses a commit the load refused, with its findings, and reads no secrets', async () => {
    const r = reads({ trust: undefined, load: async () => ({ ok: false, diagnostics: [finding] }) });
    const verdict = await gateCommit(COMMIT, r);
    expect(verdict).toEqual({
      ok: false,
      commit: COMMIT,
      refusal: 'invalid',
      reason: 'policy.privileged: privileged is not allowed',
      diagnostics: [finding],
      trust: undefined,
    });
    expect(r.asked).toEqual([]);
  });

  it('refuses a commit whose secrets cannot be read', async () => {
    const missing = { ...finding, rule: 'secrets.missing', message: "secret 'db' has no value" };
    const r = reads({ trust: undefined, secrets: async () => ({ ok: false, diagnostics: [missing] }) });
    const verdict = await gateCommit(COMMIT, r);
    expect(verdict).toMatchObject({ ok: false, refusal: 'invalid', diagnostics: [missing] });
  });

  it('folds the secret digests into the hashes of exactly the services that use them', async () => {
    const verdict = await gateCommit(COMMIT, reads({ trust: undefined }));
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(verdict.desired.hashes.web).toBe(loaded.hashes.web);
    expect(verdict.desired.hashes.api).not.toBe(loaded.hashes.api);
    expect(verdict.desired.hashes.api).toBe(serviceConfigHash('gp', api, { 'secret:db': 'digest-1' }));
  });

  it('passes the loaded state through unchanged without secrets to read', async () => {
    const verdict = await gateCommit(COMMIT, {
      load: async () => ({ ok: true, desired: loaded, warnings: [] }),
    });
    expect(verdict.ok && verdict.desired).toBe(loaded);
  });
});

describe('withSecretDigests', () => {
  it('keeps the engine model the delivery returned and the loaded hashes when nothing is secret', () => {
    const plain = desiredOf(model('gp', [web]), COMMIT);
    const engineModel = { ...plain.model, services: { web: { ...web, labels: { mounted: 'yes' } } } };
    const out = withSecretDigests(plain, { model: engineModel, digests: new Map() });
    expect(out.model).toBe(engineModel);
    expect(out.hashes).toEqual(plain.hashes);
    expect(plain.model.services.web?.labels).toEqual({});
  });
});
