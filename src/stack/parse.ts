import { Composer, LineCounter, Parser, visit, type CST, type Document } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import type { LocatedDocument } from './source.js';
import { makeLocator } from './yaml-locate.js';
import { findTooDeep } from './yaml-depth.js';

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
  const fail = (rule: string, message: string, line = 1, column = 1): ParseResult => ({
    diagnostics: [{ file, line, column, rule, message, path: '' }],
  });

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limit.maxBytes) {
    return fail('input.too-large', `the file is ${bytes} bytes; the limit is ${limit.maxBytes}`, 0, 0);
  }

  const lines = new LineCounter();
  const tokens: CST.Token[] = Array.from(new Parser(lines.addNewLine).parse(text));
  const pos = (offset: number): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };

  const tooDeep = findTooDeep(tokens, limit.maxDepth);
  if (tooDeep) {
    const { line, column } = pos(tooDeep.offset);
    return fail('input.too-deep', `mappings and lists nest more than ${limit.maxDepth} levels deep`, line, column);
  }

  const composer = new Composer({ merge: true, uniqueKeys: true, prettyErrors: false });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const doc = docs[0];
  if (!doc) return fail('yaml.syntax', 'the file holds no YAML document');
  const errors: Diagnostic[] = doc.errors.map((error) => ({
    file,
    ...pos(error.pos[0]),
    rule: error.code === 'DUPLICATE_KEY' ? 'yaml.duplicate-key' : 'yaml.syntax',
    message: error.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(text, error.pos) : error.message,
    path: '',
  }));
  const second = docs[1];
  if (second) {
    errors.push({
      file,
      ...pos(second.range[0]),
      rule: 'yaml.syntax',
      message: 'a stack file holds one YAML document; remove the `---` separator and everything after it',
      path: '',
    });
  }
  if (errors.length > 0) return { diagnostics: errors };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limit.maxAliasCount });
  } catch (error) {
    // yaml throws a ReferenceError when expanding aliases would exceed maxAliasCount.
    if (!(error instanceof ReferenceError)) throw error;
    const { line, column } = pos(firstAliasOffset(doc) ?? 0);
    return fail('input.alias-bomb', `aliases expand to too much data (${error.message})`, line, column);
  }

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null || value === undefined ? 'empty' : Array.isArray(value) ? 'a list' : 'a scalar';
    const { line, column } = doc.contents?.range ? pos(doc.contents.range[0]) : { line: 1, column: 1 };
    return fail('yaml.not-a-mapping', `the file is ${what}; a stack file is a mapping with a services: key`, line, column);
  }

  return { doc: { file, value, locate: makeLocator(doc, lines.linePos) }, diagnostics: [] };
}

function duplicateKeyMessage(text: string, [start, end]: [number, number]): string {
  const key = text.slice(start, end).trim();
  return key ? `duplicate key '${key}' (a later value would silently replace the earlier one)` : 'duplicate key';
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
