import { parseDocument, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addKeyEdit, appendItemEdit, applyEdits, replaceScalarEdit } from '../../../src/stack/yaml-edit.js';

const node = <T>(text: string, path: (string | number)[]) => parseDocument(text).getIn(path, true) as T;

describe('yaml-edit', () => {
  it('adds a key at the end of a block mapping, after a trailing comment, in its indentation', () => {
    const text = 'a:\n    b: 1   # note\n\nc: 2\n';
    const map = node<YAMLMap>(text, ['a']);
    expect(applyEdits(text, [addKeyEdit(text, map, 'd', { e: 'x y' }, 4)])).toBe(
      'a:\n    b: 1   # note\n    d:\n        e: "x y"\n\nc: 2\n',
    );
  });

  it('adds to flow mappings and appends to flow and block lists in their style', () => {
    const text = 'a: {b: 1}\nl: [x]\nm:\n- y\n';
    const edits = [
      addKeyEdit(text, node<YAMLMap>(text, ['a']), 'c', ['no-new-privileges:true']),
      appendItemEdit(text, node<YAMLSeq>(text, ['l']), 'ALL'),
      appendItemEdit(text, node<YAMLSeq>(text, ['m']), 'true'),
    ];
    expect(applyEdits(text, edits)).toBe(
      'a: {b: 1, c: [no-new-privileges:true]}\nl: [x, ALL]\nm:\n- y\n- "true"\n',
    );
  });

  it('replaces a scalar keeping its quotes', () => {
    const text = "a: 'it''s'\nb: \"x\"\nc: plain\n";
    const edits = ['a', 'b', 'c'].map((k) => replaceScalarEdit(text, node<Scalar>(text, [k]), `${k}'s: 1`));
    expect(applyEdits(text, edits)).toBe("a: 'a''s: 1'\nb: \"b's: 1\"\nc: \"c's: 1\"\n");
    expect(parseDocument(applyEdits(text, edits)).toJS()).toEqual({ a: "a's: 1", b: "b's: 1", c: "c's: 1" });
  });

  it('puts a nested insertion before its parent one at the same offset', () => {
    const text = 's:\n  d:\n    r: 1\n';
    const outer = node<YAMLMap>(text, ['s']);
    const inner = node<YAMLMap>(text, ['s', 'd']);
    const out = applyEdits(text, [addKeyEdit(text, outer, 'k', 1), addKeyEdit(text, inner, 'q', 2)]);
    expect(out).toBe('s:\n  d:\n    r: 1\n    q: 2\n  k: 1\n');
  });

  it('keeps CRLF line endings', () => {
    const text = 's:\r\n  a: 1\r\n  l:\r\n  - x\r\n';
    const edits = [
      addKeyEdit(text, node<YAMLMap>(text, ['s']), 'k', { m: 2 }),
      appendItemEdit(text, node<YAMLSeq>(text, ['s', 'l']), 'z'),
    ];
    expect(applyEdits(text, edits)).toBe('s:\r\n  a: 1\r\n  l:\r\n  - x\r\n  - z\r\n  k:\r\n    m: 2\r\n');
  });
});
