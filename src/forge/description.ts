/** Forges show (and GitHub documents) a short one-line description; 140 is the contract's limit. */
export const MAX_DESCRIPTION_LENGTH = 140;

const ELLIPSIS = '…';

/**
 * One line of at most `max` characters (code points, so an emoji is never split): whitespace is
 * collapsed, and longer text is cut on the last word boundary that fits, followed by '…'. A
 * single word longer than the limit is cut hard, because an empty description says less.
 */
export function truncateDescription(text: string, max = MAX_DESCRIPTION_LENGTH): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(clean);
  if (chars.length <= max) return clean;
  const room = chars.slice(0, max - 1);
  const cut = room.lastIndexOf(' ');
  // Only back up to a word boundary when it keeps most of the text.
  const kept = cut >= (max - 1) / 2 ? room.slice(0, cut) : room;
  return kept.join('').replace(/[\s.,;:!?-]+$/, '') + ELLIPSIS;
}
