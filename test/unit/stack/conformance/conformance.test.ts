/**
 * Compose conformance: inputs taken from Compose's own test data (each case names its source:
 * repository, file and test), read by Spin's loader. Every case either means what it means in
 * Compose, or is refused by a named rule that docs/compose-conformance.md explains. Pure and
 * table-driven: no engine, no files on disk.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/stack/diagnostics.js';
import { parseDotenv } from '../../../../src/stack/dotenv.js';
import { interpolate } from '../../../../src/stack/interpolate.js';
import { loadStack } from '../../../../src/stack/load.js';
import type { FileReader } from '../../../../src/stack/source.js';
import { DOTENV_CASES } from './cases-dotenv.js';
import { FULL_EXAMPLE_CASES } from './cases-full-example.js';
import { LOADER_CASES } from './cases-loader.js';
import { STACK_CASES } from './cases-stack.js';
import { TEMPLATE_CASES } from './cases-template.js';

const ALL = [TEMPLATE_CASES, DOTENV_CASES, STACK_CASES, FULL_EXAMPLE_CASES, LOADER_CASES];

function oneFile(text: string): FileReader {
  return { readFile: async (file) => (file === 'compose.yaml' ? new TextEncoder().encode(text) : undefined) };
}

describe('Compose conformance suite', () => {
  it('has at least 300 cases, each citing its upstream source', () => {
    const cases = ALL.flat();
    expect(cases.length).toBeGreaterThanOrEqual(300);
    for (const c of cases) expect(c.source).toMatch(/^compose-spec\/compose-go \S+\.(go|yml) \S/);
  });

  describe('interpolation (template)', () => {
    it.each(TEMPLATE_CASES.map((c) => [`${c.source}: ${c.template}`, c] as const))('%s', (_, c) => {
      const result = interpolate(c.template, c.env);
      if (c.refused) {
        expect('error' in result && result.error.rule).toBe(c.refused);
        if (c.message && 'error' in result) expect(result.error.message).toContain(c.message);
      } else {
        expect(result).toMatchObject({ value: c.expect });
      }
    });
  });

  describe('dotenv', () => {
    it.each(DOTENV_CASES.map((c) => [`${c.source}: ${JSON.stringify(c.text).slice(0, 60)}`, c] as const))(
      '%s',
      (_, c) => {
        const result = parseDotenv(c.text, c.lookup);
        if (c.refused) {
          expect(result.ok ? 'accepted' : result.error.rule).toBe(c.refused);
          return;
        }
        if (!result.ok) throw new Error(`${result.error.rule}: ${result.error.message}`);
        if (c.exact) expect(result.values).toEqual(c.expect);
        else expect(result.values).toMatchObject(c.expect ?? {});
        for (const key of c.absent ?? []) expect(Object.keys(result.values)).not.toContain(key);
      },
    );
  });

  describe('stack files', () => {
    const cases = [...STACK_CASES, ...FULL_EXAMPLE_CASES, ...LOADER_CASES];
    it.each(cases.map((c) => [c.source, c] as const))('%s', async (_, c) => {
      const result = await loadStack(oneFile(c.yaml), { project: 'conformance', env: c.env ?? {} });
      const rules = result.diagnostics.map((d) => d.rule);
      if (c.refused) {
        // A refusal is an error that stops the stack, or (ignored.*) a warning naming the key.
        if (!c.refused.startsWith('ignored.')) expect(result.ok, rules.join(', ')).toBe(false);
        expect(rules).toContain(c.refused);
        for (const d of result.diagnostics) expect(d.line, formatDiagnostic(d)).toBeGreaterThanOrEqual(1);
        return;
      }
      if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
      if (c.services) expect(result.model.services).toMatchObject(c.services);
      if (c.field) {
        const spec = result.model.services.s as unknown as Record<string, unknown>;
        expect(spec[c.field.name]).toEqual(c.field.value);
      }
    });
  });
});
