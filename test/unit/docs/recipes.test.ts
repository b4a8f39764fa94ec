/**
 * Every recipe of docs/recipes.md (each `yaml` block under "Capability recipes") is a whole stack
 * file that passes the daemon's own validation (parse, policy, the last gate) under the default
 * policy, so the documented lines are lines that work.
 */
import { describe, expect, it } from 'vitest';
import { engineRules } from '../../../src/drivers/create-driver.js';
import { resolvePolicy } from '../../../src/policy/index.js';
import { loadDesired } from '../../../src/reconciler/desired.js';
import type { FileReader } from '../../../src/stack/source.js';
import { recipes } from '../../helpers/recipes.js';

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
  const found = recipes();

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
