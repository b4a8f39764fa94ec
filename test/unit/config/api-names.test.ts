import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';

const config = (api: string) => parseConfig('spin.yaml', `api:\n${api}\nprojects: []\n`);

describe('api.publicUrl and api.allowedHosts', () => {
  it('reads the names the API answers to', () => {
    const result = config(
      '  publicUrl: https://spin.example.org\n  allowedHosts: [spin.lab.internal, "gitea-side:9000", "[fd00::7]"]',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.config.api).toMatchObject({
      publicUrl: 'https://spin.example.org',
      allowedHosts: ['spin.lab.internal', 'gitea-side:9000', '[fd00::7]'],
    });
  });

  it('refuses an allowedHosts entry that is not a host or host:port, and a publicUrl that is not http(s), located', () => {
    for (const [api, line] of [
      ['  allowedHosts: ["http://spin.example.org"]', 2],
      ['  allowedHosts: ["*.example.org"]', 2],
      ['  allowedHosts: ["a b"]', 2],
      ['  publicUrl: spin.example.org', 2],
    ] as const) {
      const result = config(api);
      expect(result.ok, api).toBe(false);
      if (result.ok) continue;
      expect(result.diagnostics[0], api).toMatchObject({ line, rule: 'config.pattern' });
    }
  });
});
