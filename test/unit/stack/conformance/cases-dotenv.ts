/** Dotenv cases from compose-go's dotenv tests and fixtures (fixtures inlined verbatim). */
import type { DotenvCase } from './types.js';

const G = 'compose-spec/compose-go dotenv/godotenv_test.go';
const P = 'compose-spec/compose-go dotenv/parser_test.go';

/** parseAndCompare(t, line, key, value) of TestParsing and friends. */
const line = (test: string, text: string, key: string, value: string): DotenvCase => ({
  source: `${G} ${test}`,
  text,
  expect: { [key]: value },
});
const refused = (source: string, text: string, rule: DotenvCase['refused']): DotenvCase => ({
  source,
  text,
  refused: rule,
});

const PLAIN_ENV =
  'OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n';
const QUOTED_ENV =
  'OPTION_A=\'1\'\nOPTION_B=\'2\'\nOPTION_C=\'\'\nOPTION_D=\'\\n\'\nOPTION_E="1"\nOPTION_F="2"\nOPTION_G=""\nOPTION_H="\\n"\nOPTION_I = "echo \'asd\'"\nOPTION_J = \'first line\nsecond line\nthird line\nand so on\'\nOPTION_Z = "last value"\n';
const PARSER_INPUT = '\na=b\na[1]=c\na.propertyKey=d\nárvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép\n';

const plain: Record<string, string> = {
  OPTION_A: '1',
  OPTION_B: '2',
  OPTION_C: '3',
  OPTION_D: '4',
  OPTION_E: '5',
  OPTION_F: '',
  OPTION_G: '',
  OPTION_H: 'my string',
};
const quoted: Record<string, string> = {
  OPTION_A: '1',
  OPTION_B: '2',
  OPTION_C: '',
  OPTION_D: '\\n',
  OPTION_E: '1',
  OPTION_F: '2',
  OPTION_G: '',
  OPTION_H: '\n',
  OPTION_I: "echo 'asd'",
  OPTION_J: 'first line\nsecond line\nthird line\nand so on',
  OPTION_Z: 'last value',
};

export const DOTENV_CASES: DotenvCase[] = [
  // fixtures/plain.env, key by key (TestReadPlainEnv, TestLoadPlainEnv)
  ...Object.entries(plain).map(([key, value]) => ({
    source: `${G} TestReadPlainEnv fixtures/plain.env ${key}`,
    text: PLAIN_ENV,
    expect: { [key]: value },
  })),
  // fixtures/quoted.env, key by key (TestLoadQuotedEnv)
  ...Object.entries(quoted).map(([key, value]) => ({
    source: `${G} TestLoadQuotedEnv fixtures/quoted.env ${key}`,
    text: QUOTED_ENV,
    expect: { [key]: value },
  })),
  {
    source: `${G} TestParse`,
    text: 'ONE=1\nTWO=\'2\'\nTHREE = "3"',
    expect: { ONE: '1', TWO: '2', THREE: '3' },
    exact: true,
  },
  // TestExpanding
  {
    source: `${G} TestExpanding "expands variables found in values"`,
    text: 'FOO=test\nBAR=$FOO',
    expect: { FOO: 'test', BAR: 'test' },
  },
  {
    source: `${G} TestExpanding "parses variables wrapped in brackets"`,
    text: 'FOO=test\nBAR=${FOO}bar',
    expect: { FOO: 'test', BAR: 'testbar' },
  },
  {
    source: `${G} TestExpanding "expands undefined variables to an empty string"`,
    text: 'BAR=$FOO',
    expect: { BAR: '' },
  },
  {
    source: `${G} TestExpanding "expands variables in double quoted strings"`,
    text: 'FOO=test\nBAR="quote $FOO"',
    expect: { FOO: 'test', BAR: 'quote test' },
  },
  {
    source: `${G} TestExpanding "does not expand variables in single quoted strings"`,
    text: "BAR='quote $FOO'",
    expect: { BAR: 'quote $FOO' },
  },
  {
    source: `${G} TestExpanding "does not expand escaped variables" 1`,
    text: 'FOO="foo\\$BAR"',
    expect: { FOO: 'foo$BAR' },
  },
  {
    source: `${G} TestExpanding "does not expand escaped variables" 2`,
    text: 'FOO="foo\\${BAR}"',
    expect: { FOO: 'foo${BAR}' },
  },
  {
    source: `${G} TestExpanding "does not expand escaped variables" 3`,
    text: 'FOO=test\nBAR="foo\\${FOO} ${FOO}"',
    expect: { FOO: 'test', BAR: 'foo${FOO} test' },
  },
  {
    source: `${G} TestVariableStringValueSeparator`,
    text: 'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"',
    expect: { TEST_URLS: 'stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443' },
    exact: true,
  },
  // TestParsing
  line('TestParsing unquoted values', 'FOO=bar', 'FOO', 'bar'),
  line('TestParsing spaces around equal sign 1', 'FOO =bar', 'FOO', 'bar'),
  line('TestParsing spaces around equal sign 2', 'FOO= bar', 'FOO', 'bar'),
  line('TestParsing double quoted values', 'FOO="bar"', 'FOO', 'bar'),
  line('TestParsing single quoted values', "FOO='bar'", 'FOO', 'bar'),
  line('TestParsing escaped double quotes', 'FOO="escaped\\"bar"', 'FOO', 'escaped"bar'),
  line('TestParsing single quotes inside double quotes', 'FOO="\'d\'"', 'FOO', "'d'"),
  line('TestParsing yaml style options', 'OPTION_A: 1', 'OPTION_A', '1'),
  line('TestParsing yaml values with equal signs', 'OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'),
  line('TestParsing non-yaml options with colons', 'OPTION_A=1:B', 'OPTION_A', '1:B'),
  line('TestParsing export keyword', 'export OPTION_A=2', 'OPTION_A', '2'),
  line('TestParsing export single-quoted', "export OPTION_B='\\n'", 'OPTION_B', '\\n'),
  line('TestParsing export exportFoo', 'export exportFoo=2', 'exportFoo', '2'),
  line('TestParsing exportFOO', 'exportFOO=2', 'exportFOO', '2'),
  line('TestParsing export_FOO', 'export_FOO =2', 'export_FOO', '2'),
  line('TestParsing export.FOO', 'export.FOO= 2', 'export.FOO', '2'),
  line('TestParsing export tab', 'export\tOPTION_A=2', 'OPTION_A', '2'),
  line('TestParsing export indented', '  export OPTION_A=2', 'OPTION_A', '2'),
  line('TestParsing export tab-indented', '\texport OPTION_A=2', 'OPTION_A', '2'),
  line('TestParsing expands newlines in quoted strings', 'FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'),
  line('TestParsing "." in the name', 'FOO.BAR=foobar', 'FOO.BAR', 'foobar'),
  line('TestParsing several "=" in the value', 'FOO=foobar=', 'FOO', 'foobar='),
  line('TestParsing strips unquoted values', 'FOO=bar ', 'FOO', 'bar'),
  line('TestParsing ignores inline comments', 'FOO=bar # this is foo', 'FOO', 'bar'),
  line('TestParsing allows # in double-quoted value', 'FOO="bar#baz" # comment', 'FOO', 'bar#baz'),
  line('TestParsing allows # in single-quoted value', "FOO='bar#baz' # comment", 'FOO', 'bar#baz'),
  line('TestParsing allows several # in quoted value', 'FOO="bar#baz#bang" # comment', 'FOO', 'bar#baz#bang'),
  line('TestParsing parses # in double-quoted values', 'FOO="ba#r"', 'FOO', 'ba#r'),
  line('TestParsing parses # in single-quoted values', "FOO='ba#r'", 'FOO', 'ba#r'),
  line('TestParsing newlines and backslashes escaped 1', 'FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n baz'),
  line('TestParsing newlines and backslashes escaped 2', 'FOO="bar\\\\\\n\\ b\\az"', 'FOO', 'bar\\\n baz'),
  line('TestParsing newlines and backslashes escaped 3', 'FOO="bar\\\\r\\ b\\az"', 'FOO', 'bar\\r baz'),
  line('TestParsing leading whitespace 1', ' KEY =value', 'KEY', 'value'),
  line('TestParsing leading whitespace 2', '   KEY=value', 'KEY', 'value'),
  line('TestParsing leading whitespace 3', '\tKEY=value', 'KEY', 'value'),
  // Upstream's old line parser returned these; compose-go's file parser refuses them, as Spin does.
  refused(`${G} TestParsing ="value" (empty name)`, '="value"', 'dotenv.invalid-name'),
  refused(`${G} TestParsing KEY=" (unterminated quote)`, 'KEY="', 'dotenv.unterminated-quote'),
  refused(`${G} TestParsing KEY="value (unterminated quote)`, 'KEY="value', 'dotenv.unterminated-quote'),
  refused(`${G} TestParsing badly formatted line`, 'lol$wut', 'dotenv.invalid-name'),
  // TestLinesToIgnore: nothing is set from these.
  ...['\n', '\r\n', '\t\t ', '# Comment', '\t # comment'].map((text, i) => ({
    source: `${G} TestLinesToIgnore ${i + 1}`,
    text,
    expect: {},
    exact: true,
  })),
  {
    source: `${G} TestLinesToIgnore non-ignored value`,
    text: "export OPTION_B='\\n'",
    expect: { OPTION_B: '\\n' },
    exact: true,
  },
  // Inherited variables: a bare KEY takes its value from the lookup, or is not set.
  {
    source: `${G} TestInheritedEnvVariablSingleVar`,
    text: 'VAR_TO_BE_LOADED_FROM_OS_ENV\n',
    lookup: { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE' },
    expect: { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE' },
    exact: true,
  },
  {
    source: `${G} TestInheritedEnvVariablSameSize`,
    text: 'VAR_TO_BE_LOADED_FROM_OS_ENV\nfoo=bar\nbar=baz\n',
    lookup: { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE' },
    expect: { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE', foo: 'bar', bar: 'baz' },
    exact: true,
  },
  {
    source: `${G} TestInheritedEnvVariableNotFound`,
    text: 'VARIABLE_NOT_FOUND\n',
    absent: ['VARIABLE_NOT_FOUND'],
    expect: {},
    exact: true,
  },
  // parser_test.go
  ...Object.entries({
    a: 'b',
    'a[1]': 'c',
    'a.propertyKey': 'd',
    'árvíztűrő-TÜKÖRFÚRÓGÉP': 'ÁRVÍZTŰRŐ-tükörfúrógép',
  }).map(([key, value]) => ({
    source: `${P} TestParseBytes ${key}`,
    text: PARSER_INPUT,
    expect: { [key]: value },
  })),
  refused(`${P} TestParseVariable`, '%!(EXTRA string)=foo', 'dotenv.invalid-name'),
  {
    source: `${P} TestMemoryExplosion (1000 lines, all kept)`,
    text: Array.from({ length: 1000 }, (_, i) => `KEY${i}=VALUE${i}`).join('\n'),
    expect: { KEY0: 'VALUE0', KEY999: 'VALUE999' },
  },
];
