import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { formatPath, type Diagnostic, type PathSegment } from './diagnostics.js';
import { isRecord } from './records.js';
import type { LocatedDocument } from './source.js';
import { closestName } from '../util/did-you-mean.js';

/**
 * JSON Schema check of a stack file, with ajv's output turned into one actionable, located
 * message per problem. The schema is read and compiled once, on first use (src/stack and
 * dist/stack sit at the same depth, so the relative URL works from both).
 */
const SCHEMA_URL = new URL('../../schemas/stack.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(
    JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object,
  );
  return compiled;
}

export function validateSchema(doc: LocatedDocument): Diagnostic[] {
  const validate = validator();
  if (validate(doc.value)) return [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of collapseAlternatives(validate.errors ?? [])) {
    const problem = describe(error, doc.value);
    if (!problem) continue;
    const key = `${formatPath(problem.path)}\n${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      file: doc.file,
      ...doc.locate(problem.path),
      rule: problem.rule,
      message: problem.message,
      path: formatPath(problem.path),
    });
  }
  return out;
}

/** `expected`: what the enclosing anyOf/oneOf accepts, for errors kept from one of its branches. */
type AjvError = ErrorObject & { synthetic?: true; expected?: string };

const isComposite = (e: AjvError): boolean => e.keyword === 'anyOf' || e.keyword === 'oneOf';
const depthOf = (pointer: string): number => (pointer === '' ? 0 : pointer.split('/').length);

/**
 * ajv reports every failed branch of an anyOf/oneOf. Per location (deepest first): if some branch
 * had the right type and failed inside or on a value check, keep only those errors; otherwise
 * replace the lot with one "must be X" error built from the schema's description.
 */
function collapseAlternatives(errors: readonly AjvError[]): AjvError[] {
  let list = [...errors];
  const locations = [...new Set(list.filter(isComposite).map((e) => e.instancePath))].sort(
    (a, b) => depthOf(b) - depthOf(a),
  );
  for (const at of locations) {
    const here = list.filter((e) => e.instancePath === at);
    const composites = here.filter(isComposite);
    const outer = composites[composites.length - 1];
    if (!outer) continue;
    const deeper = list.some((e) => e.instancePath.startsWith(`${at}/`));
    const valueChecks = here.filter((e) => !isComposite(e) && e.keyword !== 'type');
    const drop = new Set<AjvError>(
      deeper || valueChecks.length > 0 ? here.filter((e) => !valueChecks.includes(e)) : here,
    );
    list = list.filter((e) => !drop.has(e));
    const expected = descriptionOf(outer.parentSchema);
    if (expected) for (const e of valueChecks) e.expected ??= expected;
    if (!deeper && valueChecks.length === 0) {
      const types = here.filter((e) => e.keyword === 'type').flatMap((e) => String(e.params.type).split(','));
      list.push({
        ...outer,
        keyword: 'type',
        params: { type: [...new Set(types)].join(',') },
        synthetic: true,
      });
    }
  }
  return list;
}

function descriptionOf(schema: unknown): string | undefined {
  return isRecord(schema) && typeof schema.description === 'string' ? schema.description : undefined;
}

interface Problem {
  path: PathSegment[];
  rule: string;
  message: string;
}

function describe(error: AjvError, root: unknown): Problem | undefined {
  const path = toPath(error.instancePath, root);
  const where = path.length === 0 ? 'the file' : formatPath(path);
  const schema = isRecord(error.parentSchema) ? error.parentSchema : {};
  const description = descriptionOf(schema) ?? error.expected;
  const rule = `schema.${error.keyword}`;
  if (error.propertyName !== undefined) {
    // Raised inside `propertyNames`: the key itself is wrong.
    const name = error.propertyName;
    const how = description ? `names must be ${description}` : String(error.message);
    return {
      path: [...path, name],
      rule: 'schema.propertyNames',
      message: `invalid name '${name}' in ${where}: ${how}`,
    };
  }
  switch (error.keyword) {
    case 'propertyNames':
      return undefined; // the error raised inside it says more
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const inWhere = path.length === 0 ? 'at the top level' : `in ${where}`;
      const known = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
      const hint = closestName(key, known);
      return {
        path: [...path, key],
        rule,
        message: `unknown key '${key}' ${inWhere}${hint ? ` (did you mean '${hint}'?)` : ''}`,
      };
    }
    case 'required':
      return {
        path,
        rule,
        message: `${where} is missing required key '${String(error.params.missingProperty)}'`,
      };
    case 'type': {
      const wanted = description ?? typeWords(String(error.params.type));
      return { path, rule, message: `${where} must be ${wanted}, not ${showValue(error.data)}` };
    }
    case 'enum': {
      const allowed = Array.isArray(error.params.allowedValues) ? error.params.allowedValues.map(String) : [];
      return {
        path,
        rule,
        message: `${where} must be one of ${allowed.join(', ')}, not ${showValue(error.data)}`,
      };
    }
    case 'pattern':
      return {
        path,
        rule,
        message: `${where} must be ${description ?? `text matching ${String(error.params.pattern)}`}, not ${showValue(error.data)}`,
      };
    default:
      return { path, rule, message: `${where} ${String(error.message)}` };
  }
}

/** JSON pointer to path segments, with list indexes as numbers. */
function toPath(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return path;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

function typeWords(types: string): string {
  const words = types.split(',').map((t) => TYPE_WORDS[t] ?? t);
  return words.length > 1
    ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`
    : (words[0] ?? types);
}

function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  return String(value);
}
