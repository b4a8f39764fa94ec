/**
 * Every recipe of docs/recipes.md (each `yaml` block under "Capability recipes") is a whole stack
 * file that passes the daemon's own validation (parse, policy, the last gate) under the default
 * policy, so the documented lines are lines that work.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineRules } from '../../../src/drivers/create-driver.js';
import { resolvePolicy } from '../../../src/policy/index.js';
import { loadDesired } from '../../../src/reconciler/desired.js';
import type { FileReader } from '../../../src/stack/source.js';

const DOC = path.resolve(import.meta.dirname, '../../../docs/recipes.md');

/** `### name` -> the yaml block under it, within the "Capability recipes" section. */
export function recipes(markdown: string): Map<string, string> {
  const section = markdown.split(/^## Capability recipes$/m)[1]?.split(/^## /m)[0] ?? '';
  const out = new Map<string, string>();
  for (const part of section.split(/^### /m).slice(1)) {
    const name = part.split('\n')[0]?.trim() ?? '';
    const block = /```yaml\n([\s\S]*?)```/.exec(part)?.[1];
    if (block) out.set(name, block);
  }
  return out;
}

/** The stack file, and a small placeholder for each repository file a recipe binds. */
function reader(stack: string): FileReader {
  const bytes = (text: string) => new TextEncoder().encode(text);
  return {
    readFile: async (file) =>
      file === 'compose.yaml' ? bytes(stack) : file === '.env' ? undefined : bytes('x\n'),
    fileSize: async (file) =>
      file === '.env' ? undefined : file === 'compose.yaml' ? bytes(stack).length : 2,
  };
}

describe('docs/recipes.md', () => {
  const found = recipes(readFileSync(DOC, 'utf8'));

  it('has a recipe for each common image', () => {
    expect([...found.keys()]).toEqual(['postgres', 'nginx', 'redis', 'mariadb', 'httpd', 'jupyter']);
  });

  it.each([...found.entries()])('%s validates under the default policy', async (_name, stack) => {
    const policy = resolvePolicy(undefined, {});
    if (!policy.ok) throw new Error(policy.error);
    const result = await loadDesired(reader(stack), 'docs', {
      project: 'recipes',
      env: { DB_PASSWORD: 'x', DB_ROOT_PASSWORD: 'x' },
      stackDir: '',
      policy: policy.policy,
      engine: engineRules(),
    });
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
    // Each recipe says what it adds: the hardening, and a limit.
    expect(stack).toContain('cap_drop: [ALL]');
    expect(stack).toContain('no-new-privileges:true');
  });
});
