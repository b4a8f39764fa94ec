/**
 * "No crash on any upstream compose file": every stack file of the awesome-compose corpus (real
 * users' files, at ../shared) and every stack of the Compose conformance suite goes through
 * `spin validate`'s own library path (the commit gate: parse, schema, policy, last gate) with the
 * default policy, and through `--fix`'s planner. Each either passes or is refused with located,
 * named findings; nothing throws, and no finding is a stack trace in disguise.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineRules } from '../../src/drivers/create-driver.js';
import { planFixes } from '../../src/policy/fix/plan-fixes.js';
import { resolvePolicy } from '../../src/policy/index.js';
import { loadDesired } from '../../src/reconciler/desired.js';
import { gateCommit } from '../../src/reconciler/gate.js';
import type { Diagnostic } from '../../src/stack/diagnostics.js';
import { FolderReader } from '../../src/stack/fs-reader.js';
import { STACK_FILE_NAMES } from '../../src/stack/load.js';
import type { FileReader } from '../../src/stack/source.js';
import { FULL_EXAMPLE_CASES } from './stack/conformance/cases-full-example.js';
import { LOADER_CASES } from './stack/conformance/cases-loader.js';
import { STACK_CASES } from './stack/conformance/cases-stack.js';

const CORPUS = path.resolve(process.cwd(), '../shared/corpus/awesome-compose');

const policy = (() => {
  const resolved = resolvePolicy(undefined, {});
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.policy;
})();

function oneFile(text: string): FileReader {
  return { readFile: async (file) => (file === 'compose.yaml' ? new TextEncoder().encode(text) : undefined) };
}

/** What `spin validate` runs: the daemon's gate over the working tree. */
async function validate(reader: FileReader, env: Record<string, string> = {}): Promise<Diagnostic[]> {
  const verdict = await gateCommit('working-tree', {
    load: (commit) =>
      loadDesired(reader, commit, { project: 'nocrash', env, stackDir: '', policy, engine: engineRules() }),
  });
  return verdict.ok ? verdict.warnings : verdict.diagnostics;
}

function expectLocatedAndNamed(label: string, findings: Diagnostic[]): void {
  for (const d of findings) {
    const at = `${label}: ${d.rule}: ${d.message}`;
    expect(d.rule, at).toMatch(/^[a-z]+(\.[a-zA-Z0-9_-]+)+$/);
    expect(d.line, at).toBeGreaterThanOrEqual(d.rule === 'input.too-large' ? 0 : 1);
    expect(d.column, at).toBeGreaterThanOrEqual(d.rule === 'input.too-large' ? 0 : 1);
    expect(d.message.length, at).toBeGreaterThan(10);
    // A message that carries an exception (a crash caught too late) is not a finding.
    expect(d.message, at).not.toMatch(
      /\n\s+at |TypeError|ReferenceError|Cannot read propert|undefined is not/,
    );
  }
}

/** `--fix` on the same file must not throw either, and what it writes must still parse. */
async function expectFixSurvives(label: string, text: string, findings: Diagnostic[]): Promise<void> {
  const errors = findings.filter((d) => !d.rule.startsWith('ignored.'));
  const plan = planFixes({ file: 'compose.yaml', text, findings: errors, policy, digests: undefined });
  if (plan.text === text) return;
  const after = await validate(oneFile(plan.text));
  expect(
    after.filter((d) => d.rule.startsWith('yaml.')),
    `${label}: --fix wrote a file that does not parse`,
  ).toEqual([]);
}

function corpusFiles(): Array<{ key: string; dir: string; file: string }> {
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const file = STACK_FILE_NAMES.find((name) => existsSync(path.join(CORPUS, entry.name, name)));
      return file ? [{ key: `${entry.name}/${file}`, dir: path.join(CORPUS, entry.name), file }] : [];
    });
}

describe('spin validate never crashes', () => {
  it.skipIf(!existsSync(CORPUS))(
    'on the awesome-compose corpus (skipped when ../shared/corpus is absent)',
    async () => {
      const files = corpusFiles();
      expect(files.length).toBeGreaterThanOrEqual(39);
      for (const { key, dir, file } of files) {
        const findings = await validate(new FolderReader(dir));
        expectLocatedAndNamed(key, findings);
        const text = readFileSync(path.join(dir, file), 'utf8');
        // The planner names the file compose.yaml; give it the same name.
        await expectFixSurvives(
          key,
          text,
          findings.map((d) => ({ ...d, file: 'compose.yaml' })),
        );
      }
    },
  );

  it('on every stack of the conformance suite', async () => {
    const cases = [...STACK_CASES, ...FULL_EXAMPLE_CASES, ...LOADER_CASES];
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) {
      const findings = await validate(oneFile(c.yaml), c.env);
      expectLocatedAndNamed(c.source, findings);
      await expectFixSurvives(c.source, c.yaml, findings);
    }
  });

  it('on hostile shapes: a merge key aimed at a scalar, non-mapping services, odd values', async () => {
    const shapes = [
      'x: &a 1\nservices:\n  s:\n    <<: *a\n    image: busybox:1\n',
      'services:\n  s:\n    <<: 5\n    image: busybox:1\n',
      'services: []\n',
      'services:\n  s: null\n',
      'services:\n  s: [image]\n',
      'services:\n  s:\n    image: [busybox]\n',
      'services:\n  s:\n    image: busybox:1\n    cap_drop: ALL\n',
      'services:\n  s:\n    image: busybox:1\n    security_opt: {a: b}\n',
      'services:\n  s:\n    image: busybox:1\n    deploy: 3\n',
      'services:\n  s:\n    image: busybox:1\n    deploy: {resources: []}\n',
      'services:\n  s:\n    image: busybox:1\n    volumes: [{type: bind}]\n',
      'services:\n  s:\n    image: busybox:1\n    volumes: ["./a:/b:ro:extra:more"]\n',
      'services:\n  ? [a]\n  : {image: busybox:1}\n',
      'services:\n  s:\n    image: busybox:1\n    ports: [{}]\n',
      '"services":\n  "s": {"image": "busybox:1", "ports": ["99999:1"]}\n',
      '- a\n- b\n',
      '',
      '# only a comment\n',
    ];
    for (const text of shapes) {
      const findings = await validate(oneFile(text));
      expectLocatedAndNamed(JSON.stringify(text), findings);
      await expectFixSurvives(JSON.stringify(text), text, findings);
    }
  });
});
