/**
 * A poll on a kept-alive socket the server has dropped fails at once with a reset; that is retried
 * once on a fresh socket, and nothing else is (a real HTTP server that drops chosen requests).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRefAdvertisement } from '../../../src/git/ref-advertisement.js';

const pkt = (line: string) => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
const OID = 'a'.repeat(40);
const ADVERT =
  pkt('# service=git-upload-pack\n') + '0000' + pkt(`${OID} refs/heads/main\0agent=git/2.39\n`) + '0000';

let server: Server | undefined;

/** Serves the advertisement, except that requests whose number `drop` says are cut off. */
async function serve(drop: (n: number) => boolean): Promise<{ url: string; seen: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    n += 1;
    if (drop(n)) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
    res.end(ADVERT);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/repo.git`, seen: () => n };
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
