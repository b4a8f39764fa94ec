import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, shortSha } from '../../../src/dashboard/format.js';

const now = Date.parse('2026-03-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

describe('formatAge', () => {
  it.each([
    [0, 'just now'],
    [4_999, 'just now'],
    [12_000, '12s ago'],
    [3 * 60_000 + 59_000, '3m ago'],
    [5 * 3600_000, '5h ago'],
    [4 * 86400_000 + 1, '4d ago'],
    [-60_000, 'just now'],
  ])('%i ms ago reads %s', (ms, text) => {
    expect(formatAge(ago(ms), now)).toBe(text);
  });

  it('says unknown for a time it cannot read', () => {
    expect(formatAge('yesterday', now)).toBe('unknown');
  });
});

describe('formatDuration and shortSha', () => {
  it('formats durations for people', () => {
    expect(formatDuration(35)).toBe('35 ms');
    expect(formatDuration(2300)).toBe('2.3 s');
    expect(formatDuration(5000)).toBe('5 s');
    expect(formatDuration(125_000)).toBe('2m 5s');
  });

  it('shortens a sha to 7 characters', () => {
    expect(shortSha('1f2e3d4c5b6a7988')).toBe('1f2e3d4');
  });
});
