import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackRefusedError, PackScanner, type PackLimits } from '../../../src/git/pack-guard.js';
import { guardUploadPack } from '../../../src/git/upload-pack-guard.js';
import { commitAll, runGit } from '../../helpers/git-server.js';

// The scanner on packs the real git made (`git pack-objects`), fed in chunks of every size, and on
// packs crafted here to lie: headers that under-declare, deltas with huge targets, bad counts.
const MiB = 1024 * 1024;
const LIMITS: PackLimits = { maxObjectBytes: 64 * MiB, maxPackObjects: 1000 };
let tmp: string;
let repo: string;
const text = (n: number) =>
  Array.from({ length: n }, (_, i) => `line ${i} of a text that deltas well\n`).join('');

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-pack-guard-'));
  repo = path.join(tmp, 'repo');
  await mkdir(repo);
  await runGit(['init', '-q', '-b', 'main'], repo);
  await runGit(['config', 'user.email', 'spin-test@example.invalid'], repo);
  await runGit(['config', 'user.name', 'Spin test'], repo);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The pack of everything reachable from `rev`, as `git pack-objects` writes it. */
const packOf = (rev: string): Buffer =>
  execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], {
    cwd: repo,
    input: `${rev}\n`,
    maxBuffer: 256 * MiB,
  });

async function scan(pack: Buffer, chunkSize: number, limits = LIMITS): Promise<PackScanner> {
  const scanner = new PackScanner(limits);
  for (let i = 0; i < pack.length; i += chunkSize) await scanner.push(pack.subarray(i, i + chunkSize));
  scanner.finish();
  return scanner;
}

async function refusal(pack: Buffer, chunkSize: number, limits = LIMITS): Promise<PackRefusedError> {
  const err = await scan(pack, chunkSize, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PackRefusedError);
  return err as PackRefusedError;
}

/** A pack entry header: type and size varint. */
function entryHeader(type: number, size: number): Buffer {
  const bytes = [(type << 4) | (size & 15)];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    (bytes[bytes.length - 1] as number) |= 0x80;
    bytes.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

const varint = (n: number): Buffer => {
  const bytes: number[] = [];
  let rest = n;
  do {
    bytes.push((rest & 0x7f) | (rest >= 128 ? 0x80 : 0));
    rest = Math.floor(rest / 128);
  } while (rest > 0);
  return Buffer.from(bytes);
};

interface CraftedEntry {
  type: number;
  data: Buffer;
  /** What the header says; default the data's real length. */
  declared?: number;
  /** REF_DELTA base object id. */
  base?: Buffer;
}

/** A pack written by hand (version 2, SHA-1 trailer), so its headers can lie. */
function craftPack(entries: CraftedEntry[], count = entries.length): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  const parts: Buffer[] = [header];
  for (const e of entries) {
    parts.push(entryHeader(e.type, e.declared ?? e.data.length));
    if (e.base) parts.push(e.base);
    parts.push(deflateSync(e.data));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

const BLOB = 3;
const REF_DELTA = 7;

describe('PackScanner on packs made by git', () => {
  it('passes a small pack with a delta, whatever the chunking', async () => {
    await writeFile(path.join(repo, 'small.txt'), 'hello\n');
    await writeFile(path.join(repo, 'big.txt'), text(3000));
    await commitAll(repo, 'first');
    await writeFile(path.join(repo, 'big.txt'), `${text(3000)}one more line\n`);
    await commitAll(repo, 'second');
    const pack = packOf('main');
    for (const chunk of [pack.length, 65_515, 4096, 7, 1]) {
      const { stats } = await scan(pack, chunk);
      expect(stats.objects, `chunks of ${chunk}`).toBe(pack.readUInt32BE(8));
      expect(stats.deltas, `chunks of ${chunk}`).toBeGreaterThan(0);
    }
  });

  it('refuses a pack holding 80 MiB of zeros (about 80 KB packed) by its size', async () => {
    await writeFile(path.join(repo, 'zeros.bin'), Buffer.alloc(80 * MiB));
    await commitAll(repo, 'zeros');
    const pack = packOf('main');
    expect(pack.length).toBeLessThan(2 * MiB);
    for (const chunk of [pack.length, 4096]) {
      const err = await refusal(pack, chunk);
      expect(err.code).toBe('object-too-large');
      expect(err.message).toMatch(
        /^object \d+ \(blob\) declares 83886080 bytes \(80 MiB\), more than git\.maxObjectBytes \(64 MiB\)$/,
      );
    }
    // Under a higher limit the same pack passes: the scanner counted all 80 MiB, holding none.
    const { stats } = await scan(pack, 65_515, { ...LIMITS, maxObjectBytes: 100 * MiB });
    expect(stats.inflatedBytes).toBeGreaterThan(80 * MiB);
  });
});

describe('PackScanner on crafted packs', () => {
  it('refuses an object that inflates to more than its header declares', async () => {
    const pack = craftPack([{ type: BLOB, data: Buffer.alloc(4 * MiB), declared: 10 }]);
    for (const chunk of [16, pack.length]) {
      const err = await refusal(pack, chunk);
      expect(err.code).toBe('malformed-pack');
      expect(err.message).toContain('object 0 inflates to more than the 10 bytes its header declares');
    }
    // Declared just over the fast path's cap, so only the streamed inflater's count can catch it.
    const streamed = craftPack([{ type: BLOB, data: Buffer.alloc(4 * MiB), declared: 100_000 }]);
    expect((await refusal(streamed, streamed.length)).message).toContain(
      'inflates to more than the 100000 bytes',
    );
  });

  it('refuses an object that inflates to less than its header declares', async () => {
    const pack = craftPack([{ type: BLOB, data: Buffer.from('hello'), declared: 500 }]);
    expect((await refusal(pack, 4096)).message).toContain('inflates to 5 bytes, not the 500');
  });

  it('refuses a header declaring 2 GiB before inflating anything', async () => {
    const pack = craftPack([{ type: BLOB, data: Buffer.from('tiny'), declared: 2 * 1024 * MiB }]);
    const err = await refusal(pack, pack.length);
    expect(err.code).toBe('object-too-large');
    expect(err.message).toContain('declares 2147483648 bytes (2 GiB)');
  });

  it("refuses a delta whose target is over the limit, from the delta's own header", async () => {
    const base = Buffer.from('hello');
    const baseId = createHash('sha1').update(`blob 5\0hello`).digest();
    // Base size 5, target 100 MiB, then one insert of 5 bytes: small, but isomorphic-git would
    // allocate the declared target.
    const delta = Buffer.concat([varint(5), varint(100 * MiB), Buffer.from([5]), base]);
    const pack = craftPack([
      { type: BLOB, data: base },
      { type: REF_DELTA, data: delta, base: baseId },
    ]);
    // Byte by byte (streamed inflate) and whole (the small-object fast path).
    for (const chunk of [3, pack.length]) {
      const err = await refusal(pack, chunk);
      expect(err.code).toBe('object-too-large');
      expect(err.message).toContain('object 1 (delta) has a target that 104857600 bytes (100 MiB)');
    }
  });

  it('refuses more objects than maxPackObjects from the pack header', async () => {
    const pack = craftPack([{ type: BLOB, data: Buffer.from('x') }], 5000);
    const err = await refusal(pack, pack.length);
    expect(err.code).toBe('too-many-objects');
    expect(err.message).toBe('pack of 5000 objects exceeds git.maxPackObjects (1000)');
  });

  it('refuses a pack that ends early, bytes after the checksum, and a non-pack', async () => {
    const pack = craftPack([{ type: BLOB, data: Buffer.from('x'.repeat(1000)) }]);
    expect((await refusal(pack.subarray(0, pack.length - 30), 64)).message).toBe('pack ended early');
    expect((await refusal(Buffer.concat([pack, Buffer.from('more')]), 64)).message).toContain(
      'after its checksum',
    );
    expect((await refusal(Buffer.from('NOTAPACK0000'), 64)).message).toBe('not a git pack');
    expect((await scan(pack, 64)).stats.objects).toBe(1);
  });
});

describe('guardUploadPack', () => {
  const line = (payload: Buffer) =>
    Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);

  /** A side-band-64k upload-pack response: NAK, then pack data on band 1 and progress on band 2. */
  function response(pack: Buffer): Buffer {
    const parts = [line(Buffer.from('NAK\n'))];
    for (let i = 0; i < pack.length; i += 1000) {
      parts.push(line(Buffer.concat([Buffer.from([1]), pack.subarray(i, i + 1000)])));
      parts.push(line(Buffer.from('\x02Counting objects\n')));
    }
    parts.push(Buffer.from('0000'));
    return Buffer.concat(parts);
  }

  async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  }

  async function drain(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const out: Buffer[] = [];
    for await (const chunk of body) out.push(Buffer.from(chunk));
    return Buffer.concat(out);
  }

  const limits = { ...LIMITS, maxPackBytes: 10 * MiB };

  it('passes a good response through unchanged', async () => {
    const body = response(craftPack([{ type: BLOB, data: Buffer.from(text(500)) }]));
    expect((await drain(guardUploadPack(chunks(body, 333), limits))).equals(body)).toBe(true);
  });

  it('ends the body with the refusal when the pack breaks a limit', async () => {
    const body = response(craftPack([{ type: BLOB, data: Buffer.alloc(MiB), declared: 3 }]));
    await expect(drain(guardUploadPack(chunks(body, 4096), limits))).rejects.toThrow(
      /inflates to more than the 3 bytes/,
    );
  });

  it("leaves a server's fatal error (band 3) that cuts the pack short to isomorphic-git", async () => {
    const pack = craftPack([{ type: BLOB, data: Buffer.from(text(500)) }]);
    const start = Buffer.concat([
      line(Buffer.from('NAK\n')),
      line(Buffer.concat([Buffer.from([1]), pack.subarray(0, 20)])),
    ]);
    const cut = Buffer.concat([start, line(Buffer.from('\x03fatal: out of memory'))]);
    expect((await drain(guardUploadPack(chunks(cut, 7), limits))).equals(cut)).toBe(true);
    // Without the server's error, a cut pack is refused.
    await expect(drain(guardUploadPack(chunks(start, 7), limits))).rejects.toThrow('pack ended early');
  });

  it('refuses a response over maxPackBytes and one that is not pkt-lines', async () => {
    const body = response(craftPack([{ type: BLOB, data: Buffer.from(text(500)) }]));
    await expect(
      drain(guardUploadPack(chunks(body, 100), { ...limits, maxPackBytes: 1000 })),
    ).rejects.toThrow('fetch response of more than 1000 bytes exceeds git.maxPackBytes');
    await expect(drain(guardUploadPack(chunks(Buffer.from('PACK....'), 4), limits))).rejects.toThrow(
      'not pkt-line framed',
    );
  });
});
