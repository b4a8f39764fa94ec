/**
 * The poll reads the advertisement's body from the response's events: a body in several chunks
 * is put together, and a reply cut off mid-body fails the poll instead of hanging it (a real HTTP
 * server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchRefAdvertisement } from '../../../src/git/ref-advertisement.js';

const pkt = (line: string) => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
const OID = 'b'.repeat(40);
const ADVERT =
  pkt('# service=git-upload-pack\n') + '0000' + pkt(`${OID} refs/heads/main\0agent=git/2.39\n`) + '0000';
const TYPE = { 'content-type': 'application/x-git-upload-pack-advertisement' };

let server: Server | undefined;

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}/repo.git`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('fetchRefAdvertisement body', () => {
  it('puts a body sent in several chunks together', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, TYPE);
      const half = Math.floor(ADVERT.length / 2);
      res.write(ADVERT.slice(0, half));
      setTimeout(() => res.end(ADVERT.slice(half)), 50);
    });
    const advert = await fetchRefAdvertisement(url);
    expect(advert.refs).toEqual([{ ref: 'refs/heads/main', oid: OID }]);
  });

  it('fails a reply cut off before its end', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { ...TYPE, 'content-length': String(ADVERT.length + 100) });
      res.write(ADVERT);
      setTimeout(() => res.socket?.destroy(), 50);
    });
    await expect(fetchRefAdvertisement(url, { timeoutMs: 10_000 })).rejects.toThrow();
  });
});
