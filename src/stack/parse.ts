import { Composer, LineCounter, Parser, visit, type CST, type Document } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import type { LocatedDocument } from './source.js';
import { makeLocator } from './yaml-locate.js';
import { findTooDeep, findTooDeepText } from './yaml-depth.js';
import { findKeyProblems } from './yaml-keys.js';

/** Bounds on what a stack file may cost to read; each is checked before the work it protects. */
export interface ParseLimits {
  /** UTF-8 bytes of the whole file. */
  maxBytes: number;
  /** Nested mappings/sequences, counted on the syntax tree (aliases are not expanded). */
  maxDepth: number;
  /** yaml's `maxAliasCount`: caps the size of alias expansion ("billion laughs"). */
  maxAliasCount: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 1024 * 1024, maxDepth: 64, maxAliasCount: 100 };

export interface ParseResult {
  doc?: LocatedDocument;
  diagnostics: Diagnostic[];
}

/**
 * Parse one YAML stack file into plain data plus source positions. Never throws on bad input:
 * size, depth, syntax, duplicate keys, alias bombs and a non-mapping root all come back as
 * diagnostics, and `doc` is set only when there are none.
 */
export function parseYaml(file: string, text: string, limits: Partial<ParseLimits> = {}): ParseResult {
  const limit = { ...DEFAULT_PARSE_LIMITS, ...limits };
  type At = { line: number; column: number };
  const fail = (rule: string, message: string, at: At = { line: 1, column: 1 }): ParseResult => ({
    diagnostics: [{ file, ...at, rule, message, path: '' }],
  });

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limit.maxBytes) {
    return fail('input.too-large', `the file is ${bytes} bytes; the limit is ${limit.maxBytes}`, {
      line: 0,
      column: 0,
    });
  }

  const refuseTooDeep = (at: At): ParseResult =>
    fail('input.too-deep', `mappings and lists nest more than ${limit.maxDepth} levels deep`, at);
  const early = findTooDeepText(text, limit.maxDepth);
  if (early) return refuseTooDeep(positionIn(text, early.offset));

  const lines = new LineCounter();
  const pos = (offset: number): At => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const tokens: CST.Token[] = Array.from(new Parser(lines.addNewLine).parse(text));
  const late = findTooDeep(tokens, limit.maxDepth);
  if (late) return refuseTooDeep(pos(late.offset));

  const composer = new Composer({ merge: true, uniqueKeys: true, prettyErrors: false });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const doc = docs[0];
  if (!doc) return fail('yaml.syntax', 'the file holds no YAML document');
  const errors: Diagnostic[] = doc.errors.map((error) => ({
    file,
    ...pos(error.pos[0]),
    rule: error.code === 'DUPLICATE_KEY' ? 'yaml.duplicate-key' : 'yaml.syntax',
    message: error.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(text, error.pos[0]) : error.message,
    path: '',
  }));
  const second = docs[1];
  if (second) {
    errors.push({
      file,
      ...pos(second.range[0]),
      rule: 'yaml.syntax',
      message: 'the file must hold one YAML document; remove the `---` separator and everything after it',
      path: '',
    });
  }
  if (errors.length > 0) return { diagnostics: errors };

  const keyProblems = findKeyProblems(doc);
  if (keyProblems.length > 0) {
    return {
      diagnostics: keyProblems.map(({ offset, rule, message }) => ({
        file,
        ...pos(offset),
        rule,
        message,
        path: '',
      })),
    };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limit.maxAliasCount });
  } catch (error) {
    // yaml throws a ReferenceError when expanding aliases would exceed maxAliasCount.
    if (!(error instanceof ReferenceError)) throw error;
    return fail(
      'input.alias-bomb',
      `aliases expand to too much data (${error.message})`,
      pos(firstAliasOffset(doc) ?? 0),
    );
  }

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what =
      value === null || value === undefined ? 'empty' : Array.isArray(value) ? 'a list' : 'a scalar';
    const at = doc.contents?.range ? pos(doc.contents.range[0]) : undefined;
    return fail('yaml.not-a-mapping', `the document is ${what}; it must be a mapping of keys to values`, at);
  }

  return { doc: { file, value, locate: makeLocator(doc, lines.linePos) }, diagnostics: [] };
}

/** 1-based line and column of an offset, for when the parser (and its LineCounter) did not run. */
function positionIn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function duplicateKeyMessage(text: string, start: number): string {
  // yaml points at the start of the repeated key; read the key up to its ': '.
  const end = text.indexOf('\n', start);
  const rest = text.slice(start, end < 0 ? undefined : end);
  const key = /^(.*?):(\s|$)/
    .exec(rest)?.[1]
    ?.trim()
    .replace(/^(["'])(.*)\1$/, '$2');
  return key
    ? `duplicate key '${key}' (a later value would silently replace the earlier one)`
    : 'duplicate key';
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}
