import type http from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InFlightLimit } from '../../../src/api/in-flight-limit.js';
import { readBody, streamBody } from '../../../src/api/http.js';

/** Enough of an IncomingMessage for streamBody: a readable stream that knows when it is complete. */
function request(): PassThrough & { complete: boolean } {
  const stream = new PassThrough() as PassThrough & { complete: boolean };
  stream.complete = false;
  stream.on('end', () => (stream.complete = true));
  return stream;
}
const asRequest = (r: PassThrough) => r as unknown as http.IncomingMessage;

describe('streamBody', () => {
  it('hands over every chunk as it comes and reports a complete body', async () => {
    const req = request();
    const seen: string[] = [];
    const done = streamBody(asRequest(req), {
      maxBytes: 100,
      timeoutMs: 10_000,
      onChunk: (c) => seen.push(String(c)),
    });
    req.write('ab');
    req.end('cd');
    expect(await done).toEqual({ outcome: 'complete', bytes: 4 });
    expect(seen.join('')).toBe('abcd');
  });

  it('stops at the first byte over the cap, without handing that chunk over, and pauses the request', async () => {
    const req = request();
    const seen: string[] = [];
    const done = streamBody(asRequest(req), {
      maxBytes: 5,
      timeoutMs: 10_000,
      onChunk: (c) => seen.push(String(c)),
    });
    req.write('abc');
    req.write('def');
    expect(await done).toEqual({ outcome: 'too-large', bytes: 6 });
    expect(seen).toEqual(['abc']);
    expect(req.isPaused()).toBe(true);
  });

  it('gives up on a body that does not finish in time', async () => {
    const req = request();
    const done = streamBody(asRequest(req), { maxBytes: 100, timeoutMs: 50, onChunk: () => undefined });
    req.write('a');
    expect(await done).toEqual({ outcome: 'timeout', bytes: 1 });
  });

  it('reports a sender that went away', async () => {
    const req = request();
    const done = streamBody(asRequest(req), { maxBytes: 100, timeoutMs: 10_000, onChunk: () => undefined });
    req.destroy();
    expect((await done).outcome).toBe('aborted');
  });

  it('readBody returns the body, or undefined over the limit', async () => {
    const small = request();
    const body = readBody(asRequest(small), 10);
    small.end('{"a":1}');
    expect(String(await body)).toBe('{"a":1}');
    const big = request();
    const refused = readBody(asRequest(big), 3);
    big.end('{"a":1}');
    expect(await refused).toBeUndefined();
  });
});

describe('InFlightLimit', () => {
  it('says no beyond the ceiling, and yes again once one leaves', () => {
    const limit = new InFlightLimit(2);
    expect([limit.tryEnter(), limit.tryEnter(), limit.tryEnter()]).toEqual([true, true, false]);
    limit.leave();
    expect(limit.tryEnter()).toBe(true);
    expect(limit.inFlight).toBe(2);
  });
});
