import { describe, expect, it } from 'vitest';
import { truncateDescription } from '../../../src/forge/description.js';

describe('truncateDescription', () => {
  it('keeps short text and collapses whitespace to one line', () => {
    expect(truncateDescription('converged')).toBe('converged');
    expect(truncateDescription('  policy:\n  1 finding\t ok ')).toBe('policy: 1 finding ok');
  });

  it('cuts long text on a word boundary with an ellipsis, within 140 characters', () => {
    const text = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const out = truncateDescription(text);
    expect(Array.from(out).length).toBeLessThanOrEqual(140);
    expect(out.endsWith('…')).toBe(true);
    expect(text.startsWith(out.slice(0, -1))).toBe(true);
    expect(text[out.length - 1]).toBe(' ');
  });

  it('is exact at the limit and idempotent', () => {
    const exact = 'x'.repeat(140);
    expect(truncateDescription(exact)).toBe(exact);
    const once = truncateDescription(`${'abc '.repeat(50)}`);
    expect(truncateDescription(once)).toBe(once);
  });

  it('cuts a single overlong word hard and never splits a surrogate pair', () => {
    expect(truncateDescription('y'.repeat(300))).toBe(`${'y'.repeat(139)}…`);
    const emoji = '🚀'.repeat(200);
    const out = truncateDescription(emoji);
    expect(Array.from(out)).toHaveLength(140);
    expect(out).toBe(`${'🚀'.repeat(139)}…`);
  });

  it('drops trailing punctuation before the ellipsis', () => {
    const text = `${'a'.repeat(100)} bbbbbbbbbbbbbbbbbbbbbbbbbbbbb, ${'c'.repeat(40)}`;
    expect(truncateDescription(text)).toBe(`${'a'.repeat(100)} bbbbbbbbbbbbbbbbbbbbbbbbbbbbb…`);
  });
});
