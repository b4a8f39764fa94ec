/**
 * A streaming check of a git pack before isomorphic-git reads it. isomorphic-git keeps the whole
 * pack in memory and then inflates every object (and applies every delta to its declared target
 * size) to hash it, so a 2 GiB file of zeros, a pack of a few MB, makes the daemon allocate 2 GiB.
 * This scanner reads the pack as it arrives: the header, then each entry's header (type, inflated
 * size, delta base), then inflates the entry with a streaming inflater whose output is counted and
 * dropped, both to find where the entry ends and to not trust the header's size. For a delta it
 * reads the target size from the delta's first bytes. It refuses as soon as an object, declared or
 * actual, or a delta's target is larger than maxObjectBytes, or there are more than maxPackObjects.
 * Memory: one zlib window and a few bytes of header, whatever the pack holds.
 */
import { createInflate, inflateSync, type Inflate } from 'node:zlib';

export interface PackLimits {
  /** Largest object (inflated, or a delta's target) the pack may hold. */
  maxObjectBytes: number;
  /** Most objects the pack may hold. */
  maxPackObjects: number;
}

export type PackRefusalCode = 'object-too-large' | 'too-many-objects' | 'pack-too-large' | 'malformed-pack';

/** The pack breaks a limit or cannot be read; the fetch must fail and nothing of it be stored. */
export class PackRefusedError extends Error {
  constructor(
    readonly code: PackRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'PackRefusedError';
  }
}

const OBJ_OFS_DELTA = 6;
const OBJ_REF_DELTA = 7;
const TYPE_NAMES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'];
/** A size varint of more than 10 bytes (70 bits) is not something git writes. */
const MAX_VARINT_BYTES = 10;
/** The delta's base and target size varints are in its first inflated bytes. */
const DELTA_HEADER_BYTES = 2 * MAX_VARINT_BYTES;
/**
 * Entries declaring at most this are inflated in one synchronous call when the chunk holds them
 * whole: a zlib stream object and a thread-pool round trip per object cost more than the inflate.
 * The call's output is capped at the declared size + 1, so the memory stays this small.
 */
const SMALL_OBJECT_BYTES = 64 * 1024;

interface Entry {
  index: number;
  type: number;
  declared: number;
  inflated: number;
  /** The first inflated bytes of a delta, until both size varints are read. */
  deltaHead?: Buffer;
  deltaChecked: boolean;
}

type State = 'header' | 'entry-header' | 'entry-data' | 'trailer' | 'done';

export class PackScanner {
  private state: State = 'header';
  /** Bytes of a header (pack, entry or trailer) not complete yet; never more than ~40. */
  private pending: Buffer = Buffer.alloc(0);
  private count = 0;
  private next = 0;
  private entry?: Entry;
  private inflater?: Inflate;
  /** Compressed bytes given to the current inflater. */
  private fed = 0;
  private failure?: PackRefusedError;
  /** Ends the wait for the current write when a check inside a data event refuses. */
  private rejectWrite?: (err: Error) => void;

  /** What was read so far: whole objects, deltas, and the bytes they inflated to. */
  readonly stats = { objects: 0, deltas: 0, inflatedBytes: 0 };

  constructor(private readonly limits: PackLimits) {}

  /** Scans the next bytes of the pack; rejects with PackRefusedError at the first broken limit. */
  async push(chunk: Buffer): Promise<void> {
    let data = chunk;
    while (data.length > 0) {
      if (this.state === 'entry-data') {
        data = this.inflateWhole(data) ?? (await this.inflate(data));
        continue;
      }
      if (this.state === 'done') {
        throw this.refuse('malformed-pack', `pack has ${data.length} bytes after its checksum`);
      }
      this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
      data = Buffer.alloc(0);
      const used = this.readHeader(this.pending);
      if (used === undefined) {
        this.pending = Buffer.from(this.pending); // keep only the few header bytes alive
        continue;
      }
      data = this.pending.subarray(used);
      this.pending = Buffer.alloc(0);
    }
  }

  /** The pack must be complete when the response ends (an empty response has no pack at all). */
  finish(): void {
    if (this.state === 'header' && this.pending.length === 0) return;
    if (this.state !== 'done') {
      this.inflater?.destroy();
      throw this.refuse('malformed-pack', 'pack ended early');
    }
  }

  /** Stops the inflater of an entry being read (when the response fails for another reason). */
  close(): void {
    this.inflater?.destroy();
  }

  /** Parses the header the state expects; returns the bytes it used, or undefined for "need more". */
  private readHeader(data: Buffer): number | undefined {
    if (this.state === 'header') {
      if (data.length < 12) return undefined;
      if (data.toString('latin1', 0, 4) !== 'PACK') throw this.refuse('malformed-pack', 'not a git pack');
      const version = data.readUInt32BE(4);
      if (version !== 2 && version !== 3) {
        throw this.refuse('malformed-pack', `unsupported pack version ${version}`);
      }
      this.count = data.readUInt32BE(8);
      if (this.count > this.limits.maxPackObjects) {
        throw this.refuse(
          'too-many-objects',
          `pack of ${this.count} objects exceeds git.maxPackObjects (${this.limits.maxPackObjects})`,
        );
      }
      this.state = this.count === 0 ? 'trailer' : 'entry-header';
      return 12;
    }
    if (this.state === 'trailer') {
      if (data.length < 20) return undefined;
      this.state = 'done';
      return 20;
    }
    return this.readEntryHeader(data);
  }

  private readEntryHeader(data: Buffer): number | undefined {
    let i = 0;
    let byte = data[i++];
    if (byte === undefined) return undefined;
    const type = (byte >> 4) & 7;
    let declared = byte & 15;
    let shift = 4;
    while (byte & 0x80) {
      if (i >= MAX_VARINT_BYTES) throw this.refuse('malformed-pack', `object ${this.next} has a bad size`);
      byte = data[i++];
      if (byte === undefined) return undefined;
      declared += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (!TYPE_NAMES[type]) {
      throw this.refuse('malformed-pack', `object ${this.next} has unknown type ${type}`);
    }
    if (type === OBJ_REF_DELTA) {
      i += 20;
      if (data.length < i) return undefined;
    } else if (type === OBJ_OFS_DELTA) {
      const start = i;
      do {
        if (i - start >= MAX_VARINT_BYTES) {
          throw this.refuse('malformed-pack', `object ${this.next} has a bad delta offset`);
        }
        byte = data[i++];
        if (byte === undefined) return undefined;
      } while (byte & 0x80);
    }
    this.checkSize(declared, `object ${this.next} (${TYPE_NAMES[type]}) declares`);
    this.startEntry({ index: this.next, type, declared, inflated: 0, deltaChecked: false });
    return i;
  }

  private startEntry(entry: Entry): void {
    this.entry = entry;
    this.state = 'entry-data';
    this.fed = 0;
  }

  private startInflater(entry: Entry): Inflate {
    const inflater = createInflate();
    inflater.on('data', (out: Buffer) => this.onInflated(entry, out, inflater));
    // Errors reach the write callback; this listener only keeps them from being "unhandled".
    inflater.on('error', () => {});
    this.inflater = inflater;
    return inflater;
  }

  /**
   * Fast path for a small entry wholly inside `data` (most objects of a stack repository): one
   * synchronous inflate, its output capped just above the declared size. Returns the bytes after
   * the entry, or undefined when the entry goes on past `data` (then it is streamed).
   */
  private inflateWhole(data: Buffer): Buffer | undefined {
    const entry = this.entry as Entry;
    if (this.fed > 0 || entry.declared > SMALL_OBJECT_BYTES) return undefined;
    let result: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      result = inflateSync(data, { info: true, maxOutputLength: entry.declared + 1 }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'Z_BUF_ERROR') return undefined; // the entry continues in the next chunk
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw this.refuse(
          'malformed-pack',
          `object ${entry.index} inflates to more than the ${entry.declared} bytes its header declares`,
        );
      }
      throw this.refuse('malformed-pack', `object ${entry.index} is not valid zlib data`);
    }
    entry.inflated = result.buffer.length;
    if (isDelta(entry)) {
      const sizes = readDeltaSizes(result.buffer.subarray(0, DELTA_HEADER_BYTES));
      if (sizes) {
        entry.deltaChecked = true;
        this.checkSize(sizes.target, `object ${entry.index} (delta) has a target that`);
      }
    }
    this.endEntry(entry);
    return data.subarray(result.engine.bytesWritten);
  }

  /** Counts (and drops) what the current entry inflates to; stops the inflater past a limit. */
  private onInflated(entry: Entry, out: Buffer, inflater: Inflate): void {
    if (this.failure) return;
    entry.inflated += out.length;
    if (isDelta(entry) && !entry.deltaChecked) {
      const head = Buffer.concat([entry.deltaHead ?? Buffer.alloc(0), out.subarray(0, DELTA_HEADER_BYTES)]);
      entry.deltaHead = head;
      const sizes = readDeltaSizes(head);
      if (sizes) {
        entry.deltaChecked = true;
        entry.deltaHead = undefined;
        this.guard(inflater, () =>
          this.checkSize(sizes.target, `object ${entry.index} (delta) has a target that`),
        );
      } else if (head.length >= DELTA_HEADER_BYTES) {
        this.guard(inflater, () => {
          throw this.refuse('malformed-pack', `object ${entry.index} (delta) has a bad header`);
        });
      }
    }
    if (entry.inflated > entry.declared) {
      this.guard(inflater, () => {
        throw this.refuse(
          'malformed-pack',
          `object ${entry.index} inflates to more than the ${entry.declared} bytes its header declares`,
        );
      });
    }
  }

  /** Runs a check inside the inflater's data event: a refusal is remembered and the inflater stopped. */
  private guard(inflater: Inflate, check: () => void): void {
    try {
      check();
    } catch (err) {
      this.failure = err as PackRefusedError;
      inflater.destroy();
      // A destroyed stream may never call the write's callback: end the wait here.
      this.rejectWrite?.(this.failure);
    }
  }

  /** Gives `data` to the current entry's inflater; returns the bytes after the entry's end. */
  private async inflate(data: Buffer): Promise<Buffer> {
    const entry = this.entry as Entry;
    const inflater = this.inflater ?? this.startInflater(entry);
    const before = this.fed;
    this.fed += data.length;
    await new Promise<void>((resolve, reject) => {
      this.rejectWrite = reject;
      inflater.write(data, (err) => {
        if (this.failure) reject(this.failure);
        else if (err) reject(this.refuse('malformed-pack', `object ${entry.index} is not valid zlib data`));
        else resolve();
      });
    });
    this.rejectWrite = undefined;
    if (this.failure) throw this.failure;
    // The inflater consumes input up to the end of the zlib stream and leaves the rest: what it
    // did not consume belongs to the next entry.
    const consumed = inflater.bytesWritten - before;
    if (inflater.bytesWritten === this.fed) return Buffer.alloc(0);
    this.endEntry(entry);
    return data.subarray(consumed);
  }

  private endEntry(entry: Entry): void {
    this.inflater?.destroy();
    this.inflater = undefined;
    this.entry = undefined;
    if (entry.inflated !== entry.declared) {
      throw this.refuse(
        'malformed-pack',
        `object ${entry.index} inflates to ${entry.inflated} bytes, not the ${entry.declared} its header declares`,
      );
    }
    if (isDelta(entry) && !entry.deltaChecked) {
      throw this.refuse('malformed-pack', `object ${entry.index} (delta) has a bad header`);
    }
    this.next += 1;
    this.stats.objects += 1;
    if (isDelta(entry)) this.stats.deltas += 1;
    this.stats.inflatedBytes += entry.inflated;
    this.state = this.next === this.count ? 'trailer' : 'entry-header';
  }

  private checkSize(bytes: number, what: string): void {
    if (bytes > this.limits.maxObjectBytes) {
      throw this.refuse(
        'object-too-large',
        `${what} ${bytes} bytes (${formatBytes(bytes)}), more than git.maxObjectBytes (${formatBytes(this.limits.maxObjectBytes)})`,
      );
    }
  }

  private refuse(code: PackRefusalCode, message: string): PackRefusedError {
    this.failure ??= new PackRefusedError(code, message);
    return this.failure;
  }
}

function isDelta(entry: Entry): boolean {
  return entry.type === OBJ_OFS_DELTA || entry.type === OBJ_REF_DELTA;
}

/** Pure: a delta's base and target sizes from its first bytes, or undefined if they are not all there. */
export function readDeltaSizes(head: Buffer): { base: number; target: number } | undefined {
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = head[at++];
      if (byte === undefined || at > MAX_VARINT_BYTES * 2) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return value;
    }
  };
  const base = varint();
  if (base === undefined) return undefined;
  const target = varint();
  return target === undefined ? undefined : { base, target };
}

/** 67108864 -> "64 MiB"; sizes in refusals are for people. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}
