import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../../src/stack/parse.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function parsed(text: string) {
  const result = parseYaml('compose.yaml', text);
  if (!result.doc) throw new Error(`does not parse: ${JSON.stringify(result.diagnostics)}`);
  return result.doc;
}

describe('parseYaml', () => {
  it('returns plain data and locates nested values (1-based line and column of the value)', () => {
    const doc = parsed(
      lines(
        'services:', //                 1
        '  web:', //                    2
        '    image: nginx:1.27', //     3
        '    ports:', //                4
        '      - "8080:80"', //         5
        '      - target: 443', //       6
        '        published: 8443', //   7
      ),
    );
    expect(doc.value).toEqual({
      services: { web: { image: 'nginx:1.27', ports: ['8080:80', { target: 443, published: 8443 }] } },
    });
    expect(doc.locate(['services', 'web', 'image'])).toEqual({ line: 3, column: 12 });
    expect(doc.locate(['services', 'web', 'ports', 0])).toEqual({ line: 5, column: 9 });
    expect(doc.locate(['services', 'web', 'ports', 1, 'published'])).toEqual({ line: 7, column: 20 });
    // A list index may come as text (from a JSON pointer).
    expect(doc.locate(['services', 'web', 'ports', '1', 'target'])).toEqual({ line: 6, column: 17 });
    // The value of a mapping starts at its first key.
    expect(doc.locate(['services', 'web'])).toEqual({ line: 3, column: 5 });
    expect(doc.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('locates a missing path at its nearest ancestor, and an empty value at its key', () => {
    const doc = parsed(lines('services:', '  web:', '    image: x', 'volumes:', '  data:'));
    expect(doc.locate(['services', 'web', 'nope', 'deeper'])).toEqual({ line: 3, column: 5 });
    expect(doc.locate(['services', 'web', 'image', 'not-a-map'])).toEqual({ line: 3, column: 12 });
    expect(doc.locate(['volumes', 'data'])).toEqual({ line: 5, column: 3 });
  });

  it('resolves merge keys and aliases, and locates merged values where they were written', () => {
    const doc = parsed(
      lines(
        'x-base: &base', //               1
        '  restart: always', //           2
        '  environment: &env', //         3
        '    TZ: UTC', //                 4
        'x-more: &more', //               5
        '  user: "1000"', //              6
        '  restart: no', //               7
        'services:', //                   8
        '  web:', //                      9
        '    <<: [*base, *more]', //      10
        '    image: app', //              11
        '    user: root', //              12
        '  db:', //                       13
        '    environment: *env', //       14
      ),
    );
    const services = (doc.value as { services: Record<string, unknown> }).services;
    // Own keys win over merged ones; earlier merge sources win over later ones.
    expect(services.web).toEqual({
      restart: 'always',
      environment: { TZ: 'UTC' },
      user: 'root',
      image: 'app',
    });
    expect(services.db).toEqual({ environment: { TZ: 'UTC' } });
    expect(doc.locate(['services', 'web', 'restart'])).toEqual({ line: 2, column: 12 });
    expect(doc.locate(['services', 'web', 'environment', 'TZ'])).toEqual({ line: 4, column: 9 });
    expect(doc.locate(['services', 'web', 'user'])).toEqual({ line: 12, column: 11 });
    // Through an alias: the alias itself, then inside the anchored value.
    expect(doc.locate(['services', 'db', 'environment'])).toEqual({ line: 14, column: 18 });
    expect(doc.locate(['services', 'db', 'environment', 'TZ'])).toEqual({ line: 4, column: 9 });
  });

  it('reads YAML 1.2: 80:80 is a string and no is not false', () => {
    expect(parsed(lines('ports: [80:80]', 'restart: no', 'on: yes')).value).toEqual({
      ports: ['80:80'],
      restart: 'no',
      on: 'yes',
    });
  });

  it('refuses a duplicate key at the second occurrence', () => {
    const result = parseYaml('compose.yaml', lines('services:', '  web:', '    image: a', '    image: b'));
    expect(result.doc).toBeUndefined();
    expect(result.diagnostics).toEqual([
      {
        file: 'compose.yaml',
        line: 4,
        column: 5,
        rule: 'yaml.duplicate-key',
        message: "duplicate key 'image' (a later value would silently replace the earlier one)",
        path: '',
      },
    ]);
  });

  it('locates syntax errors where the parser finds them', () => {
    expect(parseYaml('compose.yaml', lines('services:', '\tweb: {}')).diagnostics).toEqual([
      {
        file: 'compose.yaml',
        line: 2,
        column: 1,
        rule: 'yaml.syntax',
        message: 'Tabs are not allowed as indentation',
        path: '',
      },
    ]);
    const unclosed = parseYaml(
      'compose.yaml',
      lines('services:', '  web:', '    image: [unclosed', '    ports: []'),
    );
    expect(unclosed.doc).toBeUndefined();
    expect(unclosed.diagnostics).toMatchObject([{ line: 4, column: 5, rule: 'yaml.syntax' }]);
  });

  it('refuses more than one document', () => {
    const result = parseYaml('compose.yaml', lines('services: {}', '---', 'services: {}'));
    expect(result.diagnostics).toMatchObject([{ line: 2, column: 1, rule: 'yaml.syntax' }]);
  });

  it.each([
    ['', 'empty'],
    ['# only a comment\n', 'empty'],
    ['- a\n- b\n', 'a list'],
    ['just text\n', 'a scalar'],
  ])('refuses a root that is not a mapping: %j', (text, what) => {
    const result = parseYaml('compose.yaml', text);
    expect(result.doc).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ rule: 'yaml.not-a-mapping', line: 1, column: 1 }]);
    expect(result.diagnostics[0]?.message).toContain(what);
  });

  it('refuses an alias bomb quickly, at the first alias', () => {
    const bomb = lines(
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
      'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
    );
    const started = performance.now();
    const result = parseYaml('compose.yaml', bomb);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.doc).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ rule: 'input.alias-bomb', line: 2, column: 8 }]);
  });

  it('allows ordinary reuse of anchors', () => {
    const text = lines(
      'x-env: &env {A: "1"}',
      'services:',
      ...['a', 'b', 'c', 'd'].map((s) => `  ${s}: {environment: *env}`),
    );
    expect(parseYaml('compose.yaml', text).diagnostics).toEqual([]);
  });

  it('refuses nesting deeper than the limit, before building the document', () => {
    const flow = `a: ${'['.repeat(100)}${']'.repeat(100)}\n`;
    // The 65th '[' is at column 4 + 64.
    expect(parseYaml('compose.yaml', flow).diagnostics).toMatchObject([
      { rule: 'input.too-deep', line: 1, column: 68 },
    ]);
    const compact = `a: 1\nb:\n  - ${'- '.repeat(100)}x\n`;
    expect(parseYaml('compose.yaml', compact).diagnostics).toMatchObject([
      { rule: 'input.too-deep', line: 3, column: 131 },
    ]);
    // Mapping k0 is level 1, so k64's mapping (line 65) is the 65th level.
    const block = Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(parseYaml('compose.yaml', block).diagnostics).toMatchObject([
      { rule: 'input.too-deep', line: 65 },
    ]);
    expect(parseYaml('compose.yaml', block, { maxDepth: 100 }).diagnostics).toEqual([]);
  });

  it.each([
    ['flow sequences', '['.repeat(400_000) + ']'.repeat(400_000)],
    ['flow mappings', '{a: '.repeat(200_000) + '}'.repeat(200_000)],
    ['compact sequences', `${'- '.repeat(400_000)}x\n`],
  ])('refuses pathological nesting (%s) quickly, before the parser sees it', (_, text) => {
    const started = performance.now();
    expect(parseYaml('compose.yaml', text).diagnostics).toMatchObject([{ rule: 'input.too-deep', line: 1 }]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses a file over the size limit without parsing it', () => {
    const big = `x: "${'a'.repeat(1024 * 1024)}"\n`;
    expect(parseYaml('compose.yaml', big).diagnostics).toMatchObject([
      { rule: 'input.too-large', line: 0, column: 0 },
    ]);
    expect(parseYaml('compose.yaml', 'a: 1\n', { maxBytes: 3 }).diagnostics).toMatchObject([
      { rule: 'input.too-large' },
    ]);
  });
});
