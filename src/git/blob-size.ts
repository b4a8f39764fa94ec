/**
 * The size of a git object from its header only, without inflating the object: a 200 MB file of
 * zeros is under 1 MB in git, and isomorphic-git's readBlob inflates it whole into memory. This
 * reads a loose object's first compressed KiB, or a packed object's entry header (found through
 * the pack's .idx), so the memory it needs is bounded by about 1 MiB (what 1 KiB of deflate can
 * expand to) plus one .idx file (28 bytes per object), whatever the object's size.
 */
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { constants, inflateSync } from 'node:zlib';

/** Compressed bytes read for a header: enough for `blob <size>\0` or a delta's two size varints. */
const HEADER_INPUT_BYTES = 1024;

const OBJ_OFS_DELTA = 6;
const OBJ_REF_DELTA = 7;

/** Size in bytes of the object `oid` in `gitdir`, or undefined when it is not there. */
export async function objectSize(gitdir: string, oid: string): Promise<number | undefined> {
  const loose = await looseObjectSize(gitdir, oid);
  if (loose !== undefined) return loose;
  return packedObjectSize(gitdir, oid);
}

async function looseObjectSize(gitdir: string, oid: string): Promise<number | undefined> {
  const file = path.join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  const head = await readHead(file, 0, HEADER_INPUT_BYTES);
  if (!head) return undefined;
  const text = partialInflate(head).subarray(0, 64).toString('latin1');
  const m = /^[a-z]+ (\d+)\0/.exec(text);
  if (!m) throw new Error(`object ${oid}: unreadable loose object header`);
  return Number(m[1]);
}

async function packedObjectSize(gitdir: string, oid: string): Promise<number | undefined> {
  const packDir = path.join(gitdir, 'objects', 'pack');
  let names: string[];
  try {
    names = await readdir(packDir);
  } catch {
    return undefined;
  }
  for (const idx of names.filter((n) => n.endsWith('.idx'))) {
    const offset = findInIndex(await readFile(path.join(packDir, idx)), oid);
    if (offset === undefined) continue;
    const entry = await readHead(
      path.join(packDir, idx.replace(/\.idx$/, '.pack')),
      offset,
      HEADER_INPUT_BYTES + 64,
    );
    if (!entry) return undefined;
    return packEntrySize(entry);
  }
  return undefined;
}

/**
 * Pure: the object size from the start of a pack entry. A whole object's header holds it; a
 * delta's header holds the delta's size, and the object's size is the second varint of the
 * (deflated) delta data.
 */
export function packEntrySize(entry: Buffer): number {
  let i = 0;
  let byte = entry[i++] as number;
  const type = (byte >> 4) & 7;
  let size = byte & 15;
  let shift = 4;
  while (byte & 0x80) {
    byte = entry[i++] as number;
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (type !== OBJ_OFS_DELTA && type !== OBJ_REF_DELTA) return size;
  if (type === OBJ_REF_DELTA) i += 20;
  else while ((entry[i++] as number) & 0x80);
  const delta = partialInflate(entry.subarray(i));
  let at = 0;
  const varint = () => {
    let value = 0;
    let s = 0;
    let b: number;
    do {
      b = delta[at++] as number;
      value += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return value;
  };
  varint(); // the base object's size
  return varint();
}

/** Pure: a pack .idx (version 2) lookup; the object's offset in the pack, or undefined. */
export function findInIndex(idx: Buffer, oid: string): number | undefined {
  if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
    throw new Error('unsupported pack index version (only v2)');
  }
  const fanout = 8;
  const first = parseInt(oid.slice(0, 2), 16);
  const count = idx.readUInt32BE(fanout + 255 * 4);
  let lo = first === 0 ? 0 : idx.readUInt32BE(fanout + (first - 1) * 4);
  let hi = idx.readUInt32BE(fanout + first * 4);
  const names = fanout + 256 * 4;
  const want = Buffer.from(oid, 'hex');
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = idx.compare(want, 0, 20, names + mid * 20, names + mid * 20 + 20);
    if (cmp === 0) {
      const offsets = names + count * 20 + count * 4;
      const small = idx.readUInt32BE(offsets + mid * 4);
      if (!(small & 0x80000000)) return small;
      const large = offsets + count * 4 + (small & 0x7fffffff) * 8;
      return Number(idx.readBigUInt64BE(large));
    }
    if (cmp > 0) hi = mid;
    else lo = mid + 1;
  }
  return undefined;
}

/** What a prefix of a zlib stream inflates to (at most ~1 KiB in -> ~1 MiB out). */
function partialInflate(compressed: Buffer): Buffer {
  return inflateSync(compressed, { finishFlush: constants.Z_SYNC_FLUSH });
}

async function readHead(file: string, offset: number, length: number): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
