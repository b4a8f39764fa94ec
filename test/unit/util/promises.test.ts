import { describe, expect, it } from 'vitest';
import { settle, unsettle, withTimeout } from '../../../src/util/promises.js';
import { withResolveHead } from '../../../src/git/index.js';
import type { GitSource } from '../../../src/git/index.js';

describe('promise helpers of the reconcile loop', () => {
  it('withTimeout gives the value in time, undefined after the deadline', async () => {
    expect(await withTimeout(Promise.resolve(7), 1_000)).toBe(7);
    expect(await withTimeout(new Promise((r) => setTimeout(() => r(7), 200)), 10)).toBeUndefined();
  });

  it('settle never rejects; unsettle gives the value or throws the error again', async () => {
    const failed = settle(Promise.reject(new Error('git server down')));
    expect(await failed).toEqual({ ok: false, error: new Error('git server down') });
    await expect(unsettle(failed)).rejects.toThrow('git server down');
    expect(await unsettle(settle(Promise.resolve('abc')))).toBe('abc');
  });
});

describe('withResolveHead', () => {
  it('replaces only the head lookup and delegates the rest to the source', async () => {
    const calls: string[] = [];
    const source: GitSource = {
      gitdir: '/cache/p.git',
      listRefs: async () => (calls.push('listRefs'), [{ ref: 'refs/heads/main', oid: 'a'.repeat(40) }]),
      ensureCommit: async (ref) => void calls.push(`ensureCommit ${ref}`),
      resolveHead: async () => (calls.push('resolveHead'), 'a'.repeat(40)),
      readerAt: (commit) => (calls.push(`readerAt ${commit}`), { readFile: async () => undefined }),
      watch: async () => async () => {},
    };
    const wrapped = withResolveHead(source, async () => 'b'.repeat(40));
    expect(await wrapped.resolveHead()).toBe('b'.repeat(40));
    expect(wrapped.gitdir).toBe('/cache/p.git');
    await wrapped.listRefs();
    await wrapped.ensureCommit('refs/heads/x', 'c'.repeat(40));
    wrapped.readerAt('d');
    expect(calls).toEqual(['listRefs', 'ensureCommit refs/heads/x', 'readerAt d']);
  });
});
