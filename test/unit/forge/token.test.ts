import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactSecret, resolveToken } from '../../../src/forge/token.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('token');
});
afterAll(async () => {
  await removeTempDir(tmp);
});

describe('resolveToken', () => {
  it('reads the environment variable, else the file (first line, trimmed)', async () => {
    const file = path.join(tmp, 'token');
    await writeFile(file, '  glpat-file-token \nsecond line\n');
    expect(resolveToken({ tokenEnv: 'T' }, { T: ' env-token\n' })).toBe('env-token');
    expect(resolveToken({ tokenEnv: 'T', tokenFile: file }, {})).toBe('glpat-file-token');
    expect(resolveToken({ tokenFile: file }, {})).toBe('glpat-file-token');
  });

  it('names the variable or file, never a value, and is not retryable', async () => {
    const empty = path.join(tmp, 'empty');
    await writeFile(empty, '\n');
    expect(() => resolveToken({ tokenEnv: 'MISSING' }, {})).toThrow(/MISSING is not set/);
    expect(() => resolveToken({ tokenFile: empty }, {})).toThrow(/is empty/);
    expect(() => resolveToken({ tokenFile: path.join(tmp, 'nope') }, {})).toThrow(/ENOENT/);
    expect(() => resolveToken({}, {})).toThrow(/neither tokenEnv nor tokenFile/);
    try {
      resolveToken({ tokenEnv: 'MISSING' }, {});
    } catch (err) {
      expect((err as { retryable: boolean }).retryable).toBe(false);
    }
  });
});

describe('redactSecret', () => {
  it('replaces every occurrence', () => {
    expect(redactSecret('a tok123 b tok123', 'tok123')).toBe('a [redacted] b [redacted]');
    expect(redactSecret('nothing', undefined)).toBe('nothing');
  });
});
