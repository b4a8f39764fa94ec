import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchEventLines } from '../../../src/drivers/event-lines.js';

/** The reconnecting event stream both drivers watch the engine with. */
describe('watchEventLines', () => {
  it('gives whole lines across chunks, reconnects when the stream ends, and stops when closed', async () => {
    const streams: PassThrough[] = [];
    const lines: string[] = [];
    let connected = 0;
    const close = watchEventLines({
      open: async () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
      onLine: (line) => lines.push(line),
      onConnected: () => connected++,
      reconnectMs: 10,
    });
    await expect.poll(() => connected).toBe(1);
    streams[0]!.write('{"a":');
    streams[0]!.write('1}\n{"b":2}\n{"c"');
    await expect.poll(() => lines).toEqual(['{"a":1}', '{"b":2}']);
    streams[0]!.end();
    await expect.poll(() => connected).toBe(2);
    streams[1]!.write('{"d":4}\n');
    await expect.poll(() => lines.length).toBe(3);
    close();
    streams[1]!.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(streams.length).toBe(2);
  });

  it('retries when the engine does not answer the first time', async () => {
    let attempts = 0;
    let connected = 0;
    const close = watchEventLines({
      open: async () => {
        attempts++;
        if (attempts < 3) throw new Error('connect ECONNREFUSED');
        return new PassThrough();
      },
      onLine: () => {},
      onConnected: () => connected++,
      reconnectMs: 5,
    });
    await expect.poll(() => connected).toBe(1);
    expect(attempts).toBe(3);
    close();
  });
});
