/**
 * The poll over a real HTTP server. A poll on a kept-alive socket the server has dropped fails at
 * once with a reset; that is retried once on a fresh socket, and nothing else is. The body is read
 * from the response's events: one sent in several chunks is put together, and a reply cut off
 * mid-body fails the poll instead of hanging it.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRefAdvertisement } from '../../../src/git/ref-advertisement.js';

const pkt = (line: string) => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
const OID = 'a'.repeat(40);
const ADVERT =
  pkt('# service=git-upload-pack\n') + '0000' + pkt(`${OID} refs/heads/main\0agent=git/2.39\n`) + '0000';

const TYPE = { 'content-type': 'application/x-git-upload-pack-advertisement' };
let server: Server | undefined;

async function listen(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}/repo.git`;
}

/** Serves the advertisement, except that requests whose number `drop` says are cut off. */
async function serve(drop: (n: number) => boolean): Promise<{ url: string; seen: () => number }> {
  let n = 0;
  const url = await listen((req, res) => {
    n += 1;
    if (drop(n)) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, TYPE);
    res.end(ADVERT);
  });
  return { url, seen: () => n };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('fetchRefAdvertisement on a dropped keep-alive socket', () => {
  it('retries once when a reused socket is reset, and answers', async () => {
    const { url, seen } = await serve((n) => n === 2);
    expect((await fetchRefAdvertisement(url)).refs).toEqual([{ ref: 'refs/heads/main', oid: OID }]);
    // The second poll goes out on the first poll's socket, which the server drops.
    expect((await fetchRefAdvertisement(url)).refs).toEqual([{ ref: 'refs/heads/main', oid: OID }]);
    expect(seen()).toBe(3);
  });

  it('does not retry a reset on a fresh socket: the server is at fault, the poll fails', async () => {
    const { url, seen } = await serve(() => true);
    await expect(fetchRefAdvertisement(url)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen()).toBe(1);
  });

  it('retries only once: a server that keeps dropping fails the poll with its own error', async () => {
    const { url, seen } = await serve((n) => n > 1);
    await fetchRefAdvertisement(url);
    await expect(fetchRefAdvertisement(url)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen()).toBe(3);
  });
});

describe('fetchRefAdvertisement body', () => {
  it('puts a body sent in several chunks together', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, TYPE);
      const half = Math.floor(ADVERT.length / 2);
      res.write(ADVERT.slice(0, half));
      setTimeout(() => res.end(ADVERT.slice(half)), 50);
    });
    expect((await fetchRefAdvertisement(url)).refs).toEqual([{ ref: 'refs/heads/main', oid: OID }]);
  });

  it('fails a reply cut off before its end', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { ...TYPE, 'content-length': String(ADVERT.length + 100) });
      res.write(ADVERT);
      setTimeout(() => res.socket?.destroy(), 50);
    });
    await expect(fetchRefAdvertisement(url, { timeoutMs: 10_000 })).rejects.toThrow();
  });
});
