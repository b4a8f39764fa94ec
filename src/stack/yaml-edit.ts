/**
 * Surgical edits of a YAML file: the `yaml` library's Document finds the nodes (and their source
 * ranges), and each edit is spliced into the original text. Re-printing the whole Document would
 * re-indent lists, trim trailing spaces and re-space flow collections (it does so on most files of
 * the awesome-compose corpus), so nothing is re-printed: every byte outside an edit stays as written.
 */
import { isMap, isScalar, isSeq, Scalar, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

/** Replace `length` characters at `offset` with `text`. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

/** A value to write: scalars, lists and mappings of them. */
export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

/**
 * Apply edits (none overlapping) to the text. Insertions at one offset land in the order given
 * (so `cap_drop` then `security_opt` read in the order they were planned), deeper lines first.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  const ordered = edits.map((edit, index) => ({ edit, index }));
  // At one offset, a deeper line goes first: it belongs to the mapping that ends there, which
  // ends before its parent does (`deploy`'s new `resources:` before the service's new key).
  ordered.sort(
    (a, b) => b.edit.offset - a.edit.offset || depth(a.edit.text) - depth(b.edit.text) || b.index - a.index,
  );
  for (const { edit } of ordered) {
    out = out.slice(0, edit.offset) + edit.text + out.slice(edit.offset + edit.length);
  }
  return out;
}

/** The node at a path of keys and indexes, or undefined (a merged `<<` key is not the node's own). */
export function nodeAt(doc: Document, path: readonly (string | number)[]): Node | undefined {
  const node = doc.getIn(path, true);
  return isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
}

/** The mapping's own key (not one it gets from a `<<` merge), as written. */
export function ownKey(map: YAMLMap, key: string): boolean {
  return map.items.some((pair) => isScalar(pair.key) && pair.key.value === key);
}

/** Add `key: value` as the mapping's last entry, in the mapping's style and indentation. */
export function addKeyEdit(
  text: string,
  map: YAMLMap,
  key: string,
  value: YamlValue,
  step = indentStep(text, map),
): TextEdit {
  const [start, end] = map.range ?? [0, 0];
  if (map.flow) {
    const close = text.lastIndexOf('}', end - 1);
    const entry = `${map.items.length > 0 ? ', ' : ''}${plainKey(key)}: ${flow(value)}`;
    return { offset: close, length: 0, text: entry };
  }
  const first = map.items[0]?.key as Node | undefined;
  const indent = columnOf(text, first?.range?.[0] ?? start);
  const rendered = block(key, value, indent, step);
  return {
    offset: lineEndAfter(text, lastContent(text, end)),
    length: 0,
    text: `\n${rendered}`.replace(/\n/g, newline(text)),
  };
}

/** Append an item to a sequence, in its style (`[a, b]` or one `- item` per line). */
export function appendItemEdit(text: string, seq: YAMLSeq, item: string | number): TextEdit {
  const [start, end] = seq.range ?? [0, 0];
  if (seq.flow) {
    const close = text.lastIndexOf(']', end - 1);
    return { offset: close, length: 0, text: `${seq.items.length > 0 ? ', ' : ''}${scalar(item, true)}` };
  }
  const dash = ' '.repeat(columnOf(text, start));
  return {
    offset: lineEndAfter(text, lastContent(text, end)),
    length: 0,
    text: `${newline(text)}${dash}- ${scalar(item, false)}`,
  };
}

/** Replace a scalar's text, keeping its quoting style where the new value allows it. */
export function replaceScalarEdit(text: string, node: Scalar, value: string): TextEdit {
  const [start, end] = node.range ?? [0, 0];
  let written: string;
  if (node.type === Scalar.QUOTE_DOUBLE) written = JSON.stringify(value);
  else if (node.type === Scalar.QUOTE_SINGLE) written = `'${value.replace(/'/g, "''")}'`;
  else written = scalar(value, false);
  return { offset: start, length: end - start, text: written };
}

/** The file's own line ending, so a CRLF file stays CRLF. */
function newline(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/**
 * How deep an inserted line sits (`\n    key: v` → 4; 0 for text within a line). A list item
 * counts one deeper than its dash: an item of a list written at its key's indentation
 * (`key:\n- a`) belongs to that key, so it goes before a new key at the same column.
 */
function depth(text: string): number {
  const m = /^\r?\n( *)(- )?/.exec(text);
  return m ? (m[1]?.length ?? 0) + (m[2] ? 1 : 0) : 0;
}

function block(key: string, value: YamlValue, indent: number, step: number): string {
  const pad = ' '.repeat(indent);
  if (isPlainObject(value)) {
    const children = Object.entries(value).map(([k, v]) => block(k, v, indent + step, step));
    return `${pad}${plainKey(key)}:\n${children.join('\n')}`;
  }
  return `${pad}${plainKey(key)}: ${flow(value)}`;
}

function flow(value: YamlValue): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${plainKey(k)}: ${flow(v)}`)
      .join(', ')}}`;
  }
  return scalar(value, true);
}

/**
 * Plain when the text reads back as the same string in block and flow context, else
 * double-quoted. `no-new-privileges:true` stays plain (a colon not followed by a space is part of
 * the scalar); numbers and booleans written as strings are quoted so they stay strings.
 */
function scalar(value: string | number | boolean, inFlow: boolean): string {
  if (typeof value !== 'string') return String(value);
  const risky = inFlow ? /[,[\]{}]/ : /$^/;
  const plain =
    /^[A-Za-z0-9_./@-][A-Za-z0-9_./@:+=-]*$/.test(value) &&
    !risky.test(value) &&
    !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(value) &&
    !/^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value) &&
    !value.endsWith(':');
  return plain ? value : JSON.stringify(value);
}

function plainKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
}

function isPlainObject(value: YamlValue): value is { [key: string]: YamlValue } {
  return typeof value === 'object' && !Array.isArray(value);
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The offset just after the last non-space character before `end` (comments stay on their line). */
function lastContent(text: string, end: number): number {
  let i = Math.min(end, text.length);
  while (i > 0 && /\s/.test(text.charAt(i - 1))) i--;
  return i;
}

/** The end of the line holding `offset` (before its newline), so a trailing comment stays put. */
function lineEndAfter(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  const end = newline < 0 ? text.length : newline;
  return text.charAt(end - 1) === '\r' ? end - 1 : end;
}

/** How far this file indents a nested mapping: from a map to its first nested block mapping (else 2). */
export function indentStep(text: string, map: YAMLMap): number {
  for (const pair of map.items) {
    const child = pair.value;
    if (isMap(child) && !child.flow && child.items[0]) {
      const key = child.items[0].key as Node | undefined;
      const parent = pair.key as Node | undefined;
      const step = columnOf(text, key?.range?.[0] ?? 0) - columnOf(text, parent?.range?.[0] ?? 0);
      if (step > 0) return step;
    }
  }
  return 2;
}
