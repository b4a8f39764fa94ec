import { markup, type SafeHtml } from './escape.js';

/**
 * Badges carry their meaning in text: a glyph (hidden from screen readers), the word itself, and a
 * visually hidden prefix so the accessible text reads "Sync: Synced" rather than a bare colour.
 * (An aria-label on a plain <span> is not announced reliably and ARIA 1.2 forbids naming generic
 * elements, so the label is real, hidden text instead.) Tones map to colour pairs with at least
 * 7:1 contrast (see styles.ts).
 */
export type Tone = 'ok' | 'info' | 'warn' | 'bad' | 'neutral';
export type BadgeKind = 'sync' | 'health' | 'result' | 'suspended';

interface BadgeStyle {
  label: string;
  styles: Record<string, { glyph: string; tone: Tone }>;
}

/** Also serialised into the client script, so both sides render the same badge for a value. */
export const BADGES: Record<BadgeKind, BadgeStyle> = {
  sync: {
    label: 'Sync',
    styles: {
      Synced: { glyph: '✓', tone: 'ok' },
      OutOfSync: { glyph: '≠', tone: 'warn' },
      Unknown: { glyph: '?', tone: 'neutral' },
    },
  },
  health: {
    label: 'Health',
    styles: {
      Healthy: { glyph: '✓', tone: 'ok' },
      Progressing: { glyph: '…', tone: 'info' },
      Degraded: { glyph: '✗', tone: 'bad' },
      Missing: { glyph: '∅', tone: 'warn' },
      Unknown: { glyph: '?', tone: 'neutral' },
    },
  },
  result: {
    label: 'Result',
    styles: {
      converged: { glyph: '✓', tone: 'ok' },
      applied: { glyph: '↑', tone: 'ok' },
      refused: { glyph: '⊘', tone: 'warn' },
      failed: { glyph: '✗', tone: 'bad' },
      error: { glyph: '!', tone: 'bad' },
    },
  },
  suspended: { label: 'Reconciling', styles: { Suspended: { glyph: '⏸', tone: 'neutral' } } },
};

const FALLBACK = { glyph: '?', tone: 'neutral' as Tone };

export function badge(kind: BadgeKind, value: string): SafeHtml {
  const { label, styles } = BADGES[kind];
  const style = styles[value] ?? FALLBACK;
  return markup`<span class="badge tone-${style.tone}" data-badge="${kind}"><span aria-hidden="true">${style.glyph}</span> <span class="vh">${label}: </span>${value}</span>`;
}
