import { describe, expect, it } from 'vitest';
import { LogFrameDemuxer } from '../../../src/drivers/docker/log-frames.js';

/** One frame of Docker's multiplexed stream: stream byte, three zero bytes, length, payload. */
function frame(kind: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const text = (chunks: { stream: string; data: Buffer }[]) =>
  chunks.map((c) => `${c.stream}:${c.data.toString()}`);

describe('LogFrameDemuxer', () => {
  it('splits frames into stdout and stderr chunks in order', () => {
    const demux = new LogFrameDemuxer();
    const bytes = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, 'out two\n')]);
    expect(text(demux.push(bytes))).toEqual(['stdout:out one\n', 'stderr:err\n', 'stdout:out two\n']);
  });

  it('keeps a frame cut inside its header or payload for the next read', () => {
    const demux = new LogFrameDemuxer();
    const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'world\n')]);
    const seen: string[] = [];
    // Every cut point, one byte at a time: nothing is lost, duplicated or mislabelled.
    for (let i = 0; i < bytes.length; i++) seen.push(...text(demux.push(bytes.subarray(i, i + 1))));
    expect(seen).toEqual(['stdout:hello\n', 'stderr:world\n']);
  });

  it('drops stdin frames and passes empty frames through', () => {
    const demux = new LogFrameDemuxer();
    expect(text(demux.push(Buffer.concat([frame(0, 'in'), frame(1, '')])))).toEqual(['stdout:']);
  });
});
