import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalGitSource } from '../../../src/git/local-source.js';
import { commitAll, runGit } from '../../helpers/git-server.js';

// Sizes come from object headers only (loose, packed whole, packed as a delta), on repositories
// the real git made; the content is never inflated whole.
let tmp: string;
let repo: string;
const MiB = 1024 * 1024;
const text = (n: number) =>
  Array.from({ length: n }, (_, i) => `line ${i} of a text that deltas well\n`).join('');

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-blob-size-'));
  repo = path.join(tmp, 'repo');
  await mkdir(repo);
  await runGit(['init', '-q', '-b', 'main'], repo);
  await runGit(['config', 'user.email', 'spin-test@example.invalid'], repo);
  await runGit(['config', 'user.name', 'Spin test'], repo);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sizeAt = (commit: string, file: string) =>
  new LocalGitSource(repo, 'main').readerAt(commit).fileSize?.(file);

describe('CommitReader.fileSize', () => {
  it('reads sizes from loose objects, then from a pack, whole objects and deltas alike', async () => {
    await mkdir(path.join(repo, 'data'), { recursive: true });
    await writeFile(path.join(repo, 'data', 'zeros.bin'), Buffer.alloc(20 * MiB));
    await writeFile(path.join(repo, 'small.txt'), 'hello\n');
    await writeFile(path.join(repo, 'big.txt'), text(20_000));
    const first = await commitAll(repo, 'first');
    await writeFile(path.join(repo, 'big.txt'), `${text(20_000)}one more line\n`);
    const second = await commitAll(repo, 'second');

    const expected = async () => {
      expect(await sizeAt(first, 'data/zeros.bin')).toBe(20 * MiB);
      expect(await sizeAt(first, 'small.txt')).toBe(6);
      expect(await sizeAt(first, 'big.txt')).toBe(text(20_000).length);
      expect(await sizeAt(second, 'big.txt')).toBe(text(20_000).length + 14);
      expect(await sizeAt(first, 'missing.txt')).toBeUndefined();
      expect(await sizeAt(first, 'data')).toBeUndefined();
    };
    await expected();
    await runGit(['gc', '-q', '--aggressive'], repo);
    const packed = await runGit(['count-objects', '-v'], repo);
    expect(packed).toMatch(/^count: 0$/m);
    await expected();
    // One of the two versions of big.txt is stored as a delta of the other in the pack.
    const verify = await runGit(['verify-pack', '-v', ...(await packIndex())], repo);
    expect(verify).toMatch(/chain length = 1/);
  });
});

async function packIndex(): Promise<string[]> {
  const out = await runGit(['rev-parse', '--git-path', 'objects/pack'], repo);
  const dir = path.resolve(repo, out.trim());
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((n) => n.endsWith('.idx')).map((n) => path.join(dir, n));
}
