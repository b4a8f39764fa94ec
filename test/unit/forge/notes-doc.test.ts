import { describe, expect, it } from 'vitest';
import { mergeNoteDocs, parseNoteDoc, serializeNoteDoc } from '../../../src/forge/notes-doc.js';

const entry = (state: string, updatedAt: string) => ({ state, description: state, updatedAt });

describe('git note documents', () => {
  it('keeps every context of both sides', () => {
    const merged = mergeNoteDocs(
      { 'spin/a': entry('success', '2024-05-01T10:00:00.000Z') },
      { 'spin/a/validate': entry('failure', '2024-05-01T09:00:00.000Z') },
    );
    expect(Object.keys(merged).sort()).toEqual(['spin/a', 'spin/a/validate']);
  });

  it('keeps the newer entry of one context, whichever side it is on', () => {
    const older = { 'spin/a': entry('pending', '2024-05-01T10:00:00.000Z') };
    const newer = { 'spin/a': entry('success', '2024-05-01T10:00:05.000Z') };
    expect(mergeNoteDocs(older, newer)['spin/a']).toEqual(newer['spin/a']);
    expect(mergeNoteDocs(newer, older)['spin/a']).toEqual(newer['spin/a']);
    // Same instant: the write being made wins.
    const same = { 'spin/a': entry('error', '2024-05-01T10:00:05.000Z') };
    expect(mergeNoteDocs(newer, same)['spin/a']).toEqual(same['spin/a']);
  });

  it('keeps foreign keys and lets a timestamped entry replace one without', () => {
    const merged = mergeNoteDocs(
      { 'ci/x': 'hand-written', 'spin/a': { state: 'odd' } },
      {
        'spin/a': entry('success', '2024-05-01T10:00:00.000Z'),
      },
    );
    expect(merged['ci/x']).toBe('hand-written');
    expect(merged['spin/a']).toMatchObject({ state: 'success' });
  });

  it('reads anything, writes stable JSON', () => {
    expect(parseNoteDoc('not json')).toEqual({});
    expect(parseNoteDoc('[1,2]')).toEqual({});
    expect(parseNoteDoc('{"a":1}')).toEqual({ a: 1 });
    const text = serializeNoteDoc({ b: 1, a: { z: 1, y: 2 } });
    expect(text).toBe('{\n  "a": {\n    "z": 1,\n    "y": 2\n  },\n  "b": 1\n}\n');
  });
});
