import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parseConfig } from '../../../src/config/load.js';

const config = (tokens: string) =>
  parseConfig('/etc/spin/spin.yaml', `api:\n  tokens:\n${tokens}\nprojects: []\n`);

describe('api.tokens', () => {
  it('maps token files (relative to the config) to projects and a role; a single * is a list', () => {
    const result = config(
      '    - { file: physics.token, projects: [gateway-a, gateway-b], role: operate }\n' +
        '    - { file: /run/grafana.token, projects: "*", role: read }',
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.config.api.tokens).toEqual([
      {
        file: path.resolve('/etc/spin/physics.token'),
        projects: ['gateway-a', 'gateway-b'],
        role: 'operate',
      },
      { file: '/run/grafana.token', projects: ['*'], role: 'read' },
    ]);
  });

  it('refuses admin on some projects, unknown roles and bad names, located', () => {
    const admin = config('    - { file: a.token, projects: [gateway-a], role: admin }');
    expect(admin.ok).toBe(false);
    if (!admin.ok)
      expect(admin.diagnostics[0]).toMatchObject({
        line: 3,
        rule: 'config.api-tokens',
        message: expect.stringMatching(/role admin covers the whole daemon/),
      });
    for (const entry of [
      '    - { file: a.token, projects: [gateway-a], role: root }',
      '    - { file: a.token, projects: [Gateway_A], role: read }',
      '    - { file: a.token, projects: [], role: read }',
      '    - { projects: [a], role: read }',
    ]) {
      const result = config(entry);
      expect(result.ok, entry).toBe(false);
      if (!result.ok) expect(result.diagnostics[0]?.line, entry).toBe(3);
    }
  });
});
