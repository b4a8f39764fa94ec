import { describe, expect, it } from 'vitest';
import { highestMatching, parseRange, parseVersion, satisfies } from '../../../src/util/semver.js';

const matches = (range: string, version: string): boolean => {
  const r = parseRange(range);
  const v = parseVersion(version);
  if (!r || !v) throw new Error(`bad input ${range} / ${version}`);
  return satisfies(v, r);
};

describe('semver ranges', () => {
  it.each([
    ['~1.4', '1.4.0', true],
    ['~1.4', '1.4.9', true],
    ['~1.4', '1.5.0', false],
    ['~1.4', '1.3.9', false],
    ['~1.4.2', '1.4.1', false],
    ['~1.4.2', '1.4.7', true],
    ['~1', '1.9.0', true],
    ['~1', '2.0.0', false],
    ['^1.4', '1.9.9', true],
    ['^1.4', '2.0.0', false],
    ['^1.4', '1.3.0', false],
    ['^0.4', '0.4.7', true],
    ['^0.4', '0.5.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['1.x', '1.7.2', true],
    ['1.x', '2.0.0', false],
    ['1.4.*', '1.4.5', true],
    ['1.4', '1.4.5', true],
    ['1.4', '1.5.0', false],
    ['*', '9.9.9', true],
    ['1.4.2', '1.4.2', true],
    ['=1.4.2', '1.4.3', false],
    ['>=1.2 <2', '1.2.0', true],
    ['>=1.2 <2', '2.0.0', false],
    ['>= 1.2 < 2', '1.9.9', true],
    ['>1.4', '1.4.9', false],
    ['>1.4', '1.5.0', true],
    ['>1.4.0', '1.4.1', true],
    ['<=1.4', '1.4.9', true],
    ['<=1.4', '1.5.0', false],
    ['~1.4 || ^3', '3.2.0', true],
    ['~1.4 || ^3', '2.0.0', false],
  ])('%s matches %s: %s', (range, version, expected) => {
    expect(matches(range, version)).toBe(expected);
  });

  it('refuses what it cannot read', () => {
    for (const text of ['', 'latest', '~', '1.4.2.1', '>=a', '1.4 - 1.6', '~1.4 ||']) {
      expect(parseRange(text), text).toBeUndefined();
    }
  });

  it('reads tags as versions only when they are a full release version', () => {
    expect(parseVersion('1.4.3')).toEqual([1, 4, 3]);
    expect(parseVersion('v2.0.0')).toEqual([2, 0, 0]);
    for (const tag of ['latest', '1.4', '1.4.3-rc.1', '1.4.3-alpine', '01.4.3']) {
      expect(parseVersion(tag), tag).toBeUndefined();
    }
  });

  it('picks the highest matching tag, never a pre-release', () => {
    const tags = ['1.4.0', '1.4.3', '1.4.10', '1.5.0-rc.1', '1.4.11-rc.1', '2.0.0', 'latest', '1.4'];
    expect(highestMatching(tags, parseRange('~1.4')!)).toBe('1.4.10');
    expect(highestMatching(tags, parseRange('^1')!)).toBe('1.4.10');
    expect(highestMatching(tags, parseRange('>=2')!)).toBe('2.0.0');
    expect(highestMatching(tags, parseRange('~3.1')!)).toBeUndefined();
    expect(highestMatching(['v1.4.3', '1.4.3'], parseRange('~1.4')!)).toBe('1.4.3');
  });
});
