/**
 * Compose's dotenv format (compose-go's `dotenv` package), pure: one parser for `--env-file`, a
 * repository's `.env` and the files that a service's `env_file:` names, so the same file means
 * the same thing wherever Spin reads it. The rules, from compose-go:
 * - `KEY=VALUE` or `KEY: VALUE`, an optional `export ` prefix, blank lines and `#` lines skipped;
 * - unquoted values end at the line end or at an inline comment (` #`) and are trimmed;
 * - `'single quotes'` keep everything literally, across lines;
 * - `"double quotes"` may span lines and know `\n`, `\r`, `\"`, `\\` and `\$` (a literal `$`);
 * - unquoted and double-quoted values expand `${VAR}` like the stack file (defaults, `?` errors),
 *   reading `lookup` first and then the keys the file set above;
 * - a bare `KEY` (no `=`) takes the value from `lookup`, or is not set at all;
 * - keys starting with a digit are dropped (compose-go's `Read` does the same).
 * Spin refuses, by name, what compose-go refuses: a space inside a key, a character that cannot
 * be in a key, an unterminated quote, and an empty key.
 */
import { interpolate } from './interpolate.js';
import { setEntry } from './records.js';

export interface DotenvError {
  /** 1-based line where the statement starts. */
  line: number;
  rule: 'dotenv.invalid-name' | 'dotenv.unterminated-quote' | 'dotenv.interpolate';
  message: string;
}

export type DotenvResult = { ok: true; values: Record<string, string> } | { ok: false; error: DotenvError };

/** A key may hold letters and digits of any script, `_`, `.`, `-`, `[` and `]` (compose-go). */
const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;
const SPACE = /[\t\v\f\r \u0085\u00a0]/;

export function parseDotenv(text: string, lookup: Record<string, string> = {}): DotenvResult {
  const src = text.replace(/^\uFEFF/, '');
  const values: Record<string, string> = {};
  let pos = 0;
  const lineAt = (offset: number): number => src.slice(0, offset).split('\n').length;
  const fail = (offset: number, rule: DotenvError['rule'], message: string): DotenvResult => ({
    ok: false,
    error: { line: lineAt(offset), rule, message },
  });

  while (pos < src.length) {
    // Skip blank space (new lines included) and whole comment lines.
    while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
    if (pos >= src.length) break;
    if (src[pos] === '#') {
      const end = src.indexOf('\n', pos);
      pos = end < 0 ? src.length : end + 1;
      continue;
    }
    const start = pos;
    if (/^export[\t ]/.test(src.slice(pos, pos + 7))) {
      pos += 6;
      while (SPACE.test(src[pos] ?? '')) pos++;
    }
    // The key runs up to '=', ':' or the end of the line.
    let keyEnd = pos;
    let terminator: string | undefined;
    while (keyEnd < src.length) {
      const c = src[keyEnd] as string;
      if (c === '=' || c === ':' || c === '\n') {
        terminator = c;
        break;
      }
      if (!SPACE.test(c) && !KEY_CHAR.test(c)) {
        const line = src.slice(start, src.indexOf('\n', start) < 0 ? undefined : src.indexOf('\n', start));
        return fail(
          start,
          'dotenv.invalid-name',
          `unexpected character "${c}" in variable name "${line.trim()}"; names hold letters, digits, '_', '.', '-', '[' and ']'`,
        );
      }
      keyEnd++;
    }
    const key = src.slice(pos, keyEnd).trim();
    if (key === '') return fail(start, 'dotenv.invalid-name', 'a line has no variable name before its value');
    if (/\s/.test(key)) {
      return fail(start, 'dotenv.invalid-name', `variable name "${key}" holds a space; names cannot`);
    }
    pos = keyEnd + 1;
    if (terminator !== '=' && terminator !== ':') {
      // A bare KEY: taken from the lookup when it is there, else not set at all.
      if (Object.prototype.hasOwnProperty.call(lookup, key)) keep(values, key, lookup[key] as string);
      continue;
    }
    while (SPACE.test(src[pos] ?? '')) pos++;
    const quote = src[pos];
    let raw: string;
    let expand: boolean;
    if (quote === '"' || quote === "'") {
      let end = pos + 1;
      while (end < src.length && !(src[end] === quote && src[end - 1] !== '\\')) end++;
      if (end >= src.length) {
        return fail(
          start,
          'dotenv.unterminated-quote',
          `the value of ${key} opens a ${quote} quote that never closes`,
        );
      }
      raw = src.slice(pos + 1, end);
      expand = quote === '"';
      if (expand) raw = unescapeDoubleQuoted(raw);
      // Whatever follows the closing quote on its line is a comment.
      const eol = src.indexOf('\n', end);
      pos = eol < 0 ? src.length : eol + 1;
    } else {
      const eol = src.indexOf('\n', pos);
      const line = src.slice(pos, eol < 0 ? undefined : eol);
      const comment = line.search(/[\t ]#/);
      raw = (comment < 0 ? line : line.slice(0, comment)).trimEnd();
      expand = true;
      pos = eol < 0 ? src.length : eol + 1;
    }
    let value = raw;
    if (expand) {
      const result = interpolate(raw, { ...values, ...ownEntries(lookup) });
      if ('error' in result) return fail(start, 'dotenv.interpolate', `${key}: ${result.error.message}`);
      value = result.value;
    }
    keep(values, key, value);
  }
  return { ok: true, values };
}

/** Keys starting with a digit are dropped, as compose-go's Read does. */
function keep(values: Record<string, string>, key: string, value: string): void {
  if (!/^\d/.test(key)) setEntry(values, key, value);
}

function ownEntries(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record));
}

/**
 * `\n` and `\r` become the characters, `\$` a literal `$` (written `$$` for the interpolation
 * that follows), and a backslash before anything else is dropped (`\"` is `"`, `\\` is `\`).
 */
function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\(.)/gs, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    if (c === '$') return '$$';
    return c;
  });
}
