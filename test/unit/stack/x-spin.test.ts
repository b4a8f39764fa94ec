import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import { interpolateDocument } from '../../../src/stack/interpolate.js';
import { normalise } from '../../../src/stack/normalise.js';
import { parseYaml } from '../../../src/stack/parse.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';

function run(xSpin: string) {
  const text = `services:\n  web:\n    image: reg.example.org/lab/web:1\n${xSpin}`;
  const { doc, diagnostics } = parseYaml('compose.yaml', text);
  if (!doc) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  const interpolated = interpolateDocument(doc, {}).doc;
  const result = normalise(interpolated.value, 'demo', interpolated);
  return { web: result.model?.services.web, problems: result.diagnostics.map(formatDiagnostic) };
}

describe('x-spin on a service', () => {
  it('reads imageUpdates: digest, and off or nothing as not following', () => {
    expect(run('    x-spin: { imageUpdates: digest }\n').web?.imageUpdates).toBe('digest');
    expect(run('    x-spin: { imageUpdates: off }\n').web?.imageUpdates).toBeUndefined();
    expect(run('').web?.imageUpdates).toBeUndefined();
  });

  it('reads imageUpdates: { semver: RANGE }, and refuses a range it cannot read, located', () => {
    expect(run('    x-spin: { imageUpdates: { semver: "~1.4" } }\n').web?.imageUpdates).toEqual({
      semver: '~1.4',
    });
    expect(run('    x-spin: { imageUpdates: { semver: "newest" } }\n').problems).toEqual([
      expect.stringMatching(/^compose\.yaml:4:\d+: stack\.x-spin: 'newest' is not a semver range/),
    ]);
  });

  it('refuses an unknown mode or key, located', () => {
    expect(run('    x-spin: { imageUpdates: semver }\n').problems).toEqual([
      expect.stringMatching(/^compose\.yaml:4:\d+: stack\.x-spin: x-spin\.imageUpdates must be digest/),
    ]);
    expect(run('    x-spin: { imageUpdate: digest }\n').problems).toEqual([
      expect.stringMatching(/stack\.x-spin: unknown key 'imageUpdate' in x-spin/),
    ]);
  });

  it('following a tag is not part of what runs: the config hash does not change', () => {
    const on = run('    x-spin: { imageUpdates: digest }\n').web;
    const off = run('').web;
    if (!on || !off) throw new Error('no web service');
    expect(serviceConfigHash('demo', on)).toBe(serviceConfigHash('demo', off));
  });
});
