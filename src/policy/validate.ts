/** Schema check of a policy object (schemas/policy.schema.json), with located diagnostics. */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic, PathSegment } from '../stack/diagnostics.js';
import { formatPath } from '../stack/diagnostics.js';
import type { Position } from '../stack/source.js';
import { parsePortRange } from './syntax.js';

export interface ValidateOptions {
  /** Maps a path (with `pathPrefix`) to where it is written; without it diagnostics have line 0. */
  locate?: (path: readonly PathSegment[]) => Position;
  /** Where the policy sits in its file, e.g. `['policies', 'strict']` in the daemon config. */
  pathPrefix?: readonly PathSegment[];
}

let validator: ValidateFunction | undefined;

/** The schema is read once, on first use, from the package's `schemas/` folder. */
function getValidator(): ValidateFunction {
  if (!validator) {
    const url = new URL('../../schemas/policy.schema.json', import.meta.url);
    const schema = JSON.parse(readFileSync(url, 'utf8')) as object;
    validator = new Ajv({ strict: false, allErrors: true, verbose: true }).compile(schema);
  }
  return validator;
}

export function validatePolicyObject(
  value: unknown,
  file: string,
  options: ValidateOptions = {},
): Diagnostic[] {
  const prefix = options.pathPrefix ?? [];
  const make = (rule: string, path: PathSegment[], message: string): Diagnostic => {
    const full = [...prefix, ...path];
    const pos = options.locate ? options.locate(full) : { line: 0, column: 0 };
    return { file, line: pos.line, column: pos.column, rule, message, path: formatPath(full) };
  };
  const validate = getValidator();
  if (!validate(value))
    return summarise(validate.errors ?? []).map((e) => make('policy.schema', e.path, e.message));
  const out: Diagnostic[] = [];
  const ranges = (value as { network?: { portRanges?: string[] } }).network?.portRanges ?? [];
  ranges.forEach((r, i) => {
    if (!parsePortRange(r)) {
      out.push(
        make(
          'policy.schema',
          ['network', 'portRanges', i],
          `"${r}" is not a port range LOW-HIGH within 0-65535`,
        ),
      );
    }
  });
  return out;
}

function toPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** One message per location: a failed `oneOf` replaces the errors of its branches. */
function summarise(errors: ErrorObject[]): { path: PathSegment[]; message: string }[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: { path: PathSegment[]; message: string }[] = [];
  for (const [pointer, list] of byPath) {
    const path = toPath(pointer);
    const oneOf = list.find((e) => e.keyword === 'oneOf');
    if (oneOf) {
      const description = (oneOf.parentSchema as { description?: string } | undefined)?.description;
      out.push({ path, message: description ? `must be ${lower(description)}` : 'has the wrong type' });
      continue;
    }
    for (const e of list) {
      if (e.keyword === 'additionalProperties') {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        out.push({ path: [...path, key], message: `unknown setting "${key}"` });
      } else if (e.keyword === 'enum') {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ');
        out.push({ path, message: `must be one of: ${allowed}` });
      } else {
        out.push({ path, message: e.message ?? 'is invalid' });
      }
    }
  }
  return out;
}

function lower(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
