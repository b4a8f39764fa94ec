import { afterEach, describe, expect, it } from 'vitest';
import { interpolate, interpolateDocument } from '../../../src/stack/interpolate.js';
import { parseYaml } from '../../../src/stack/parse.js';

/** SET=value, EMPTY is set to '', UNSET is not in env at all. */
const env = { SET: 'value', EMPTY: '', B: 'bee', PORT: '8080' };

describe('interpolate', () => {
  it.each([
    // plain references
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['a-$SET-b', 'a-value-b'],
    ['${SET}suffix', 'valuesuffix'],
    ['$SETsuffix', ''],
    ['$UNSET', ''],
    ['${UNSET}', ''],
    ['${EMPTY}', ''],
    // :- and - : default when unset; :- also when empty
    ['${SET:-d}', 'value'],
    ['${EMPTY:-d}', 'd'],
    ['${UNSET:-d}', 'd'],
    ['${SET-d}', 'value'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${UNSET:-}', ''],
    ['${UNSET:-a b  c}', 'a b  c'],
    // :+ and + : alternative when set; :+ only when also non-empty
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${UNSET:+alt}', ''],
    ['${SET+alt}', 'alt'],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    // :? and ? : the value when there is one
    ['${SET:?needed}', 'value'],
    ['${SET?needed}', 'value'],
    ['${EMPTY?needed}', ''],
    // nesting in defaults and alternatives
    ['${UNSET:-${B}}', 'bee'],
    ['${UNSET:-${ALSO_UNSET:-x}}', 'x'],
    ['${UNSET:-pre-${B:-no}-post}', 'pre-bee-post'],
    ['${SET:+${B}:${PORT}}', 'bee:8080'],
    ['${UNSET:-$B}', 'bee'],
    ['${UNSET:-{a}}', '{a}'],
    // $$ is a literal $, and never starts a substitution
    ['$$', '$'],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['cost: $$5', 'cost: $5'],
    ['$$$SET', '$value'],
    ['${UNSET:-$$}', '$'],
    // a $ that starts nothing is literal, as in compose
    ['$5', '$5'],
    ['a $ b', 'a $ b'],
    ['end$', 'end$'],
    ['}', '}'],
    ['no variables here', 'no variables here'],
  ])('%s -> %s', (template, expected) => {
    expect(interpolate(template, env)).toMatchObject({ value: expected });
  });

  it('reports bare references to unset variables, but not ones with a default', () => {
    expect(interpolate('$UNSET ${ALSO} ${X:-d} ${Y-d} ${Z:+a} $SET', env)).toEqual({
      value: '  d d  value',
      unset: ['UNSET', 'ALSO'],
    });
  });

  it.each([
    ['${EMPTY:?needed}', 'required variable EMPTY is empty: needed'],
    [
      '${UNSET:?set UNSET to the database URL}',
      'required variable UNSET is not set: set UNSET to the database URL',
    ],
    ['${UNSET?must be set}', 'required variable UNSET is not set: must be set'],
    ['${UNSET:?}', 'required variable UNSET is not set'],
    ['${UNSET:?need ${B}}', 'required variable UNSET is not set: need bee'],
  ])('%s is an interpolate.required error', (template, message) => {
    expect(interpolate(template, env)).toEqual({ error: { rule: 'interpolate.required', message } });
  });

  it.each([
    '${',
    '${ x}',
    '${}',
    '${1a}',
    '${SET',
    '${SET:-x',
    '${SET!}',
    '${SET:x}',
    'a ${-x} b',
    '${UNSET:-${}}',
  ])('%s is an interpolate.invalid error', (template) => {
    const result = interpolate(template, env);
    expect(result).toMatchObject({ error: { rule: 'interpolate.invalid' } });
    expect('error' in result && result.error.message).toContain(template);
  });

  it('checks the syntax of branches the values do not take', () => {
    expect(interpolate('${SET:-${}}', env)).toMatchObject({ error: { rule: 'interpolate.invalid' } });
  });

  it('refuses absurdly deep nesting instead of recursing', () => {
    const deep = '${A:-'.repeat(5000) + 'x' + '}'.repeat(5000);
    expect(interpolate(deep, {})).toMatchObject({ error: { rule: 'interpolate.invalid' } });
  });

  describe('reads only the env it is given', () => {
    afterEach(() => {
      delete process.env.SPIN_TEST_SECRET;
    });

    it('never reads process.env', () => {
      process.env.SPIN_TEST_SECRET = 'from-the-daemon';
      expect(interpolate('${SPIN_TEST_SECRET}', {})).toEqual({ value: '', unset: ['SPIN_TEST_SECRET'] });
      expect(interpolate('${SPIN_TEST_SECRET:-fallback}', {})).toMatchObject({ value: 'fallback' });
      expect(interpolate('${SPIN_TEST_SECRET:?not here}', {})).toMatchObject({
        error: { rule: 'interpolate.required' },
      });
    });

    it('does not find inherited properties such as constructor', () => {
      expect(interpolate('${constructor:-none}', {})).toMatchObject({ value: 'none' });
    });
  });
});

describe('interpolateDocument', () => {
  const text = [
    'services:', //                                     1
    '  web:', //                                        2
    '    image: "app:${TAG:-latest}"', //               3
    '    environment:', //                              4
    '      $KEY: ${MISSING}', //                        5
    '      DB: ${DB_URL:?set DB_URL in the env}', //    6
    '    ports: ["${PORT}:80", 9000]', //               7
    '    command: echo $$HOME', //                      8
  ].join('\n');

  it('interpolates string values, never keys, and locates errors and warnings', () => {
    const { doc } = parseYaml('compose.yaml', text);
    if (!doc) throw new Error('does not parse');
    const result = interpolateDocument(doc, { PORT: '8080' });
    expect(result.doc.value).toEqual({
      services: {
        web: {
          image: 'app:latest',
          environment: { $KEY: '', DB: '${DB_URL:?set DB_URL in the env}' },
          ports: ['8080:80', 9000],
          command: 'echo $HOME',
        },
      },
    });
    expect(result.diagnostics).toEqual([
      {
        file: 'compose.yaml',
        line: 5,
        column: 13,
        rule: 'interpolate.unset',
        message:
          "variable MISSING is not set, so it reads as ''; set it in the project's env or give a default: ${MISSING:-value}",
        path: 'services.web.environment.$KEY',
      },
      {
        file: 'compose.yaml',
        line: 6,
        column: 11,
        rule: 'interpolate.required',
        message: 'required variable DB_URL is not set: set DB_URL in the env',
        path: 'services.web.environment.DB',
      },
    ]);
    expect(result.doc.locate(['services', 'web', 'ports', 0])).toEqual({ line: 7, column: 13 });
  });

  it('leaves the source document untouched', () => {
    const { doc } = parseYaml('compose.yaml', 'a: ${X:-1}\n');
    if (!doc) throw new Error('does not parse');
    interpolateDocument(doc, {});
    expect(doc.value).toEqual({ a: '${X:-1}' });
  });
});
