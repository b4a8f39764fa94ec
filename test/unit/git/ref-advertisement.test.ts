import { describe, expect, it } from 'vitest';
import { parseRefAdvertisement } from '../../../src/git/ref-advertisement.js';

const pkt = (line: string) => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('parseRefAdvertisement', () => {
  it('reads refs and capabilities of a v0/v1 advertisement, leaving out peeled tags', () => {
    const body =
      pkt('# service=git-upload-pack\n') +
      '0000' +
      pkt(`${A} HEAD\0multi_ack side-band-64k symref=HEAD:refs/heads/main agent=git/2.39\n`) +
      pkt(`${A} refs/heads/main\n`) +
      pkt(`${B} refs/pull/7/head\n`) +
      pkt(`${C} refs/tags/v1\n`) +
      pkt(`${A} refs/tags/v1^{}\n`) +
      '0000';
    const ad = parseRefAdvertisement(Buffer.from(body));
    expect(ad.refs).toEqual([
      { ref: 'HEAD', oid: A },
      { ref: 'refs/heads/main', oid: A },
      { ref: 'refs/pull/7/head', oid: B },
      { ref: 'refs/tags/v1', oid: C },
    ]);
    expect(ad.capabilities).toContain('symref=HEAD:refs/heads/main');
  });

  it('an empty repository has no refs', () => {
    const body =
      pkt('# service=git-upload-pack\n') +
      '0000' +
      pkt(`${'0'.repeat(40)} capabilities^{}\0agent=git/2.39\n`) +
      '0000';
    expect(parseRefAdvertisement(Buffer.from(body)).refs).toEqual([]);
  });

  it('refuses what is not an advertisement, truncated, or an ERR line', () => {
    expect(() => parseRefAdvertisement(Buffer.from('<html>sign in</html>'))).toThrow(/malformed pkt-line/);
    const head = pkt('# service=git-upload-pack\n') + '0000';
    expect(() =>
      parseRefAdvertisement(Buffer.from(head + pkt(`${A} refs/heads/main\n`).slice(0, 30))),
    ).toThrow(/malformed|truncated/);
    expect(() => parseRefAdvertisement(Buffer.from(head + pkt('ERR access denied\n')))).toThrow(
      /server error: access denied/,
    );
    expect(() => parseRefAdvertisement(Buffer.from(pkt(`${A} refs/heads/main\n`) + '0000'))).toThrow(
      /no service line/,
    );
    expect(() => parseRefAdvertisement(Buffer.from(head + pkt('xyz refs/heads/main\n')))).toThrow(
      /malformed ref line/,
    );
    // A length that is not four hex digits, or shorter than its own four bytes.
    for (const bad of ['00zz', '0x1f', ' 01f', '0002'])
      expect(() => parseRefAdvertisement(Buffer.from(head + bad + 'rest'))).toThrow(/malformed pkt-line/);
  });

  it('reads lengths in either case of hex digits', () => {
    const line = `${A} refs/heads/main\n`;
    const upper = (Buffer.byteLength(line) + 4).toString(16).toUpperCase().padStart(4, '0');
    expect(upper).toMatch(/[A-F]/);
    const body = pkt('# service=git-upload-pack\n') + '0000' + upper + line + '0000';
    expect(parseRefAdvertisement(Buffer.from(body)).refs).toEqual([{ ref: 'refs/heads/main', oid: A }]);
  });
});
