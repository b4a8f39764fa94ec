import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { registryAuthFor } from '../../../src/config/registry-auth.js';
import { ImagePullError } from '../../../src/model/image.js';

describe('registryAuthFor', () => {
  it("sends a login only to its own host, with the file's password without its newline", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'regauth-'));
    const passwordFile = path.join(dir, 'pw');
    await writeFile(passwordFile, 's3cret\n');
    const registries = { '127.0.0.1:5000': { username: 'u', passwordFile } };
    expect(await registryAuthFor('127.0.0.1:5000/lab/web:1', registries)).toEqual({
      username: 'u',
      password: 's3cret',
      serveraddress: '127.0.0.1:5000',
    });
    expect(await registryAuthFor('127.0.0.1:5001/lab/web:1', registries)).toBeUndefined();
    expect(await registryAuthFor('evil.example.org/127.0.0.1:5000/web:1', registries)).toBeUndefined();
    expect(await registryAuthFor('lab/web:1', registries)).toBeUndefined();
  });

  it('says ImageUnauthorized, naming the file but not its content, when the file cannot be read', async () => {
    const err = await registryAuthFor('r.example.org/x:1', {
      'r.example.org': { username: 'u', passwordFile: '/nonexistent/pw' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as ImagePullError).reason).toBe('ImageUnauthorized');
    expect((err as ImagePullError).message).toContain('/nonexistent/pw');
  });

  it('reads a passwordSecret from the project’s store at each use, and says how to set a missing one', async () => {
    const values = new Map<string, string>([['reg-pw', 'from-store\n']]);
    const read = async (name: string) => {
      const value = values.get(name);
      return value === undefined ? undefined : Buffer.from(value);
    };
    const registries = { 'r.example.org': { username: 'u', passwordSecret: 'reg-pw' } };
    expect((await registryAuthFor('r.example.org/x:1', registries, read))?.password).toBe('from-store');
    values.set('reg-pw', 'rotated');
    expect((await registryAuthFor('r.example.org/x:1', registries, read))?.password).toBe('rotated');
    values.delete('reg-pw');
    const err = await registryAuthFor('r.example.org/x:1', registries, read).catch((e: unknown) => e);
    expect((err as ImagePullError).reason).toBe('ImageUnauthorized');
    expect((err as ImagePullError).message).toContain('spin secret set PROJECT reg-pw');
  });

  it('says ImageUnauthorized, without the value, when the store cannot be read', async () => {
    const registries = { 'r.example.org': { username: 'u', passwordSecret: 'reg-pw' } };
    const err = await registryAuthFor('r.example.org/x:1', registries, async () => {
      throw new Error("secret 'reg-pw' of project a cannot be decrypted");
    }).catch((e: unknown) => e);
    expect((err as ImagePullError).reason).toBe('ImageUnauthorized');
    expect((err as ImagePullError).message).toMatch(/reg-pw.*cannot be read.*cannot be decrypted/);
  });
});
