/**
 * Compose variable interpolation (`$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`,
 * `${V:+a}`, `${V+a}`, `$$`), pure: it reads only the `env` it is given, never process.env.
 * A template is parsed fully first, so a malformed part is an error even in a branch that the
 * values at hand would not take.
 */
import { formatPath, type Diagnostic, type PathSegment } from './diagnostics.js';
import { isRecord, setEntry } from './records.js';
import type { LocatedDocument } from './source.js';

export type InterpolateResult =
  | { value: string; /** Variables used bare (`$V`, `${V}`) that env does not set. */ unset: string[] }
  | { error: { rule: 'interpolate.required' | 'interpolate.invalid'; message: string } };

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

type Part = string | { name: string; op?: Operator; arg: Part[] };

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const OPERATORS: readonly Operator[] = [':-', ':?', ':+', '-', '?', '+'];

class TemplateError extends Error {}

export function interpolate(template: string, env: Record<string, string>): InterpolateResult {
  let parts: Part[];
  try {
    parts = parseTemplate(template);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return {
      error: {
        rule: 'interpolate.invalid',
        message: `invalid interpolation in "${template}": ${error.message}`,
      },
    };
  }
  const unset: string[] = [];
  try {
    return { value: evaluate(parts, env, unset), unset };
  } catch (error) {
    if (!(error instanceof RequiredError)) throw error;
    return { error: { rule: 'interpolate.required', message: error.message } };
  }
}

class RequiredError extends Error {}

function lookup(env: Record<string, string>, name: string): string | undefined {
  // Own properties only: `${constructor}` must not find Object.prototype.constructor.
  return Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
}

function evaluate(parts: readonly Part[], env: Record<string, string>, unset: string[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = lookup(env, part.name);
    const isSet = value !== undefined;
    const isFilled = isSet && value !== '';
    switch (part.op) {
      case undefined:
        if (!isSet) unset.push(part.name);
        out += value ?? '';
        break;
      case ':-':
        out += isFilled ? value : evaluate(part.arg, env, unset);
        break;
      case '-':
        out += isSet ? value : evaluate(part.arg, env, unset);
        break;
      case ':+':
        out += isFilled ? evaluate(part.arg, env, unset) : '';
        break;
      case '+':
        out += isSet ? evaluate(part.arg, env, unset) : '';
        break;
      case ':?':
      case '?': {
        if (part.op === ':?' ? isFilled : isSet) {
          out += value;
          break;
        }
        const why = evaluate(part.arg, env, unset);
        const state = isSet ? 'is empty' : 'is not set';
        throw new RequiredError(`required variable ${part.name} ${state}${why ? `: ${why}` : ''}`);
      }
    }
  }
  return out;
}

/** Parse a whole template; `${...}` arguments are parsed recursively (they may nest). */
function parseTemplate(text: string): Part[] {
  return parseParts(text, 0, 0).parts;
}

/** Nesting `${A:-${B:-...}}` deeper than this is refused rather than recursed into. */
const MAX_NESTING = 16;

/**
 * Parse literal text and substitutions from `start`. Inside a `${V:-...}` argument (nesting > 0)
 * an unmatched `}` ends the argument; plain `{...}` pairs stay literal, as in compose.
 */
function parseParts(text: string, start: number, nesting: number): { parts: Part[]; end: number } {
  const inArg = nesting > 0;
  const parts: Part[] = [];
  let literal = '';
  let braces = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '$') {
      const next = text[i + 1];
      if (next === '$') {
        literal += '$';
        i += 2;
        continue;
      }
      if (next === '{') {
        if (literal) parts.push(literal);
        literal = '';
        const braced = parseBraced(text, i, nesting);
        parts.push(braced.part);
        i = braced.end;
        continue;
      }
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name) {
        if (literal) parts.push(literal);
        literal = '';
        parts.push({ name, arg: [] });
        i += 1 + name.length;
        continue;
      }
      // A `$` not followed by a name, `{` or `$` is literal, as in compose (`cost: $5`).
    }
    if (inArg && c === '{') braces++;
    if (inArg && c === '}') {
      if (braces === 0) break;
      braces--;
    }
    literal += c;
    i++;
  }
  if (literal) parts.push(literal);
  return { parts, end: i };
}

/** Parse `${NAME}` or `${NAME<op>arg}` starting at the `$`. */
function parseBraced(text: string, dollar: number, nesting: number): { part: Part; end: number } {
  if (nesting >= MAX_NESTING) throw new TemplateError(`substitutions nest more than ${MAX_NESTING} deep`);
  const open = dollar + 2;
  const name = NAME.exec(text.slice(open))?.[0];
  const shown = text.slice(dollar, dollar + 12);
  if (!name) {
    throw new TemplateError(
      `'${shown}' needs a variable name (letters, digits, _; not starting with a digit) right after '\${'; write $$ for a literal $`,
    );
  }
  let i = open + name.length;
  if (text[i] === '}') return { part: { name, arg: [] }, end: i + 1 };
  if (i >= text.length) throw new TemplateError(`'${shown}' has no closing '}'`);
  const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
  if (!op) {
    throw new TemplateError(
      `'${shown}' must continue with '}' or one of :- - :? ? :+ + after the name ${name}`,
    );
  }
  i += op.length;
  const arg = parseParts(text, i, nesting + 1);
  if (text[arg.end] !== '}') throw new TemplateError(`'${shown}' has no closing '}'`);
  return { part: { name, op, arg: arg.parts }, end: arg.end + 1 };
}

/**
 * Interpolate every string value (never a key) of a parsed document. Positions are unchanged, so
 * the result keeps the source's `locate`. Errors are located at the value; a variable used bare
 * but not set gets one `interpolate.unset` warning, at its first use.
 */
export function interpolateDocument(
  doc: LocatedDocument,
  env: Record<string, string>,
): { doc: LocatedDocument; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const warned = new Set<string>();
  const report = (path: PathSegment[], rule: string, message: string): void => {
    diagnostics.push({ file: doc.file, ...doc.locate(path), rule, message, path: formatPath(path) });
  };
  const walk = (value: unknown, path: PathSegment[]): unknown => {
    if (typeof value === 'string') {
      const result = interpolate(value, env);
      if ('error' in result) {
        report(path, result.error.rule, result.error.message);
        return value;
      }
      for (const name of result.unset) {
        if (warned.has(name)) continue;
        warned.add(name);
        report(
          path,
          'interpolate.unset',
          `variable ${name} is not set, so it reads as ''; set it in the project's env or give a default: \${${name}:-value}`,
        );
      }
      return result.value;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (isRecord(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) setEntry(copy, key, walk(item, [...path, key]));
      return copy;
    }
    return value;
  };
  const value = walk(doc.value, []);
  return { doc: { file: doc.file, value, locate: doc.locate }, diagnostics };
}
