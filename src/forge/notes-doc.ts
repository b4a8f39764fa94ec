import type { CommitState } from './types.js';

/** What a note holds for one context. */
export interface NoteEntry {
  state: CommitState;
  description: string;
  targetUrl?: string;
  /** ISO 8601; decides which of two concurrent writes of the same context wins. */
  updatedAt: string;
}

/**
 * The note on one commit: a JSON object keyed by context. Entries are typed loosely because the
 * note may also hold keys written by other tools (or a newer Spin) that must survive a rewrite.
 */
export type NoteDoc = Record<string, NoteEntry | unknown>;

/** Parses a note; anything that is not a JSON object (hand-written text, garbage) counts as empty. */
export function parseNoteDoc(text: string): NoteDoc {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as NoteDoc;
  } catch {
    /* not JSON: replaced by the merged document */
  }
  return {};
}

function updatedAtOf(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return Number.NEGATIVE_INFINITY;
  const at = (entry as { updatedAt?: unknown }).updatedAt;
  const ms = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/**
 * Merges two notes on the same commit key by key, so writers of different contexts never lose
 * each other's entries; for the same context the newer `updatedAt` wins, and on a tie `incoming`
 * (the write being made now) does.
 */
export function mergeNoteDocs(base: NoteDoc, incoming: NoteDoc): NoteDoc {
  const merged: NoteDoc = { ...base };
  for (const [context, entry] of Object.entries(incoming)) {
    if (!(context in merged) || updatedAtOf(entry) >= updatedAtOf(merged[context])) merged[context] = entry;
  }
  return merged;
}

/** Stable text: keys sorted, two-space indent, final newline, as `git notes show` prints it. */
export function serializeNoteDoc(doc: NoteDoc): string {
  const sorted: NoteDoc = {};
  for (const key of Object.keys(doc).sort()) sorted[key] = doc[key];
  return JSON.stringify(sorted, null, 2) + '\n';
}
