/**
 * The hostile corpus (hostile-corpus/cases.ts) through both layers: `spin validate`'s code path
 * (loadDesired: loader, YAML rules, last gate) for the verdict, and the YAML rules and the last
 * gate each on their own for the layer that stops a case. A changed verdict or layer fails.
 */
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderProjectRequests } from '../../../src/drivers/docker/render-project.js';
import { admitProject } from '../../../src/policy/admission/index.js';
import { applyPolicyDefaults, checkPolicy, resolvePolicy } from '../../../src/policy/index.js';
import { loadDesired } from '../../../src/reconciler/desired.js';
import { dockerRules } from '../../../src/drivers/docker/rules.js';
import { isWarning } from '../../../src/stack/severity.js';
import { loadStack } from '../../../src/stack/load.js';
import type { FileReader } from '../../../src/stack/source.js';
import { HOSTILE_CASES, type HostileCase, type Layer } from './hostile-corpus/cases.js';

const PROJECT = 'hc';
const resolved = resolvePolicy(undefined, {});
if (!resolved.ok) throw new Error(resolved.error);
const policy = resolved.policy;

function reader(yaml: string): FileReader {
  const files: Record<string, string> = { 'compose.yaml': yaml, 'f.conf': 'x = 1\n' };
  return { readFile: async (path) => (path in files ? new TextEncoder().encode(files[path]) : undefined) };
}

interface Observed {
  expect: string;
  by?: Layer;
}

async function observe(c: HostileCase): Promise<Observed> {
  const env = c.env ?? {};
  const verdict = await loadDesired(reader(c.yaml), 'c0ffee', {
    project: PROJECT,
    env,
    stackDir: '',
    policy,
    engine: dockerRules,
  });
  const loaded = await loadStack(reader(c.yaml), { project: PROJECT, env, dir: '' });
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => !isWarning(d)).map((d) => d.rule);
    if (verdict.ok) throw new Error(`${c.name}: the loader refused but validate accepted`);
    return { expect: errors.includes(c.expect) ? c.expect : errors.join(','), by: 'loader' };
  }
  const model = applyPolicyDefaults(loaded.model, policy);
  const yamlRules = checkPolicy(
    { document: loaded.document, model, project: PROJECT, stackDir: '' },
    policy,
  ).map((d) => d.rule);
  const gateRules: string[] = admitProject(
    renderProjectRequests({
      model,
      commit: 'c0ffee',
      hashes: {},
      resolveBindSource: (s) => (s.startsWith('/') ? s : posix.join('/spin-checkout', s)),
    }),
    dockerRules.admissionContext(model, policy, ['/spin-checkout']),
  ).map((f) => f.rule);
  if (verdict.ok) {
    // Accepted by validate: neither layer may have anything to say on its own either.
    const stray = [...yamlRules, ...gateRules];
    return stray.length === 0 ? { expect: 'accepted' } : { expect: `accepted but ${stray.join(',')}` };
  }
  const refusedBy = verdict.diagnostics.map((d) => d.rule);
  if (!refusedBy.includes(c.expect)) return { expect: refusedBy.join(',') };
  const inYaml = yamlRules.includes(c.expect);
  const inGate = gateRules.includes(c.expect);
  return { expect: c.expect, by: inYaml && inGate ? 'both' : inYaml ? 'yaml' : inGate ? 'gate' : undefined };
}

describe('the hostile corpus', () => {
  it('has at least 150 cases across every policy group', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(150);
    const groups = new Set(HOSTILE_CASES.map((c) => c.expect.split('.')[0]));
    for (const g of [
      'privilege',
      'namespaces',
      'mounts',
      'image',
      'ports',
      'resources',
      'isolation',
      'logging',
      'yaml',
      'stack',
      'accepted',
    ])
      expect(groups).toContain(g);
    expect(new Set(HOSTILE_CASES.map((c) => c.name)).size).toBe(HOSTILE_CASES.length);
  });

  it('gives every case its verdict, from the layer recorded for it', async () => {
    const observed: Record<string, Observed> = {};
    const expected: Record<string, Observed> = {};
    for (const c of HOSTILE_CASES) {
      observed[c.name] = await observe(c);
      expected[c.name] = c.by === undefined ? { expect: c.expect } : { expect: c.expect, by: c.by };
    }
    expect(observed).toEqual(expected);
  }, 120_000);

  it('stops in the last gate whatever the YAML rules stop, unless the request cannot show it', () => {
    // `yaml`-only cases are settings the rendered request never carries (a tag, a name, a
    // key the normaliser drops); everything else the gate must refuse on its own.
    const yamlOnly = HOSTILE_CASES.filter((c) => c.by === 'yaml').map((c) => c.expect);
    expect(new Set(yamlOnly)).toEqual(
      new Set([
        // A relative path is resolved into Spin's checkout before the request exists.
        'mounts.escape',
        // The engine has no start_interval on API 1.41 requests; Spin does not send it.
        'resources.healthcheck',
        // update_config is the daemon's own rollout pacing; no request carries it.
        'resources.update-wait',
        // Replicas are separate requests; the gate counts containers per project instead.
        'resources.replicas',
        // Spin names containers itself, so container_name never reaches the engine.
        'isolation.container-name',
        // The request carries the reference as written; tag rules are about the registry's meaning.
        'image.latest',
        'image.tag-required',
      ]),
    );
  });
});
