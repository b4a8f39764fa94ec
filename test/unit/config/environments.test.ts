import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { displayName, environmentUnitName } from '../../../src/config/environments.js';
import { roleOn, withEnvironments } from '../../../src/access/grants.js';

const FILE = '/etc/spin/spin.yaml';
const load = (text: string) => parseConfig(FILE, text);
const diagnostics = (text: string) => {
  const result = load(text);
  return result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.column}: ${d.rule}: ${d.message}`);
};

const ENGINES = [
  'engines:',
  '  devbox: { host: unix:///run/dev.sock }',
  '  prodbox: { host: unix:///run/prod.sock }',
  'defaultEngine: devbox',
  'policies:',
  '  strict: { network: { hostIps: [127.0.0.1] } }',
];

describe('environments in the config', () => {
  it('expands a project into one unit per environment, each with its branch, engine, env and policy', () => {
    const result = load(
      [
        ...ENGINES,
        'projects:',
        '  - name: gw',
        '    repo: http://127.0.0.1:1/gw.git',
        '    env: { TAG: "1", SHARED: base }',
        '    environments:',
        '      dev: { env: { TAG: "2" } }',
        '      prod: { branch: production, engine: prodbox, policy: strict, suspended: true }',
        '  - { name: plain, repo: ./plain }',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const byName = new Map(result.config.projects.map((p) => [p.name, p]));
    expect([...byName.keys()]).toEqual(['gw--dev', 'gw--prod', 'plain']);
    const dev = byName.get('gw--dev');
    const prod = byName.get('gw--prod');
    expect(dev).toMatchObject({
      environment: { project: 'gw', name: 'dev' },
      branch: 'main',
      engine: 'devbox',
      env: { TAG: '2', SHARED: 'base' },
      policyName: 'spin-default',
      suspended: false,
    });
    expect(prod).toMatchObject({
      environment: { project: 'gw', name: 'prod' },
      branch: 'production',
      engine: 'prodbox',
      env: { TAG: '1', SHARED: 'base' },
      policyName: 'strict',
      suspended: true,
    });
    expect(displayName(prod!)).toBe('gw/prod');
    expect(displayName(byName.get('plain')!)).toBe('plain');
    // A project without environments is exactly as before: no environment field.
    expect(byName.get('plain')).not.toHaveProperty('environment');
  });

  it('refuses an unknown engine or policy with the environment located', () => {
    const text = (env: string) =>
      [...ENGINES, 'projects:', '  - name: gw', '    repo: ./gw', '    environments:', `      ${env}`].join(
        '\n',
      );
    expect(diagnostics(text('dev: { engine: nowhere }'))).toEqual([
      expect.stringMatching(/^11:\d+: config\.engine: environment 'dev': engine 'nowhere' is not defined/),
    ]);
    expect(diagnostics(text('dev: { policy: lax }'))).toEqual([
      expect.stringMatching(/^11:\d+: config\.policy: environment 'dev': /),
    ]);
  });

  it('refuses bad environment names and unknown keys through the schema, located', () => {
    const text = (env: string) =>
      ['projects:', '  - name: gw', '    repo: ./gw', '    environments:', `      ${env}`].join('\n');
    expect(diagnostics(text('Dev_1: {}'))).toContainEqual(expect.stringMatching(/^5:\d+: config\.pattern: /));
    expect(diagnostics(text('dev: { brnach: x }'))).toEqual([
      expect.stringMatching(
        /^5:\d+: config\.additionalProperties: unknown key 'brnach'.*did you mean 'branch'/,
      ),
    ]);
  });

  it('refuses a duplicate environment (YAML) and a project that takes an environment unit name', () => {
    expect(
      diagnostics(
        [
          'projects:',
          '  - { name: gw, repo: ./gw, environments: { dev: {} } }',
          '  - { name: gw--dev, repo: ./other }',
        ].join('\n'),
      ),
    ).toEqual([expect.stringMatching(/^3:\d+: config\.duplicate-project: project 'gw--dev'/)]);
    expect(
      diagnostics(
        [
          'projects:',
          '  - { name: gw--dev, repo: ./other }',
          '  - { name: gw, repo: ./gw, environments: { dev: {} } }',
        ].join('\n'),
      ),
    ).toEqual([expect.stringMatching(/config\.duplicate-project: project 'gw--dev'/)]);
    expect(
      diagnostics('projects:\n  - { name: gw, repo: ./gw, environments: { dev: {}, dev: {} } }'),
    ).not.toEqual([]);
  });

  it('lets a token scoped to the project reach its environments, and nothing else', () => {
    const owners = new Map([
      [environmentUnitName('gw', 'dev'), 'gw'],
      [environmentUnitName('other', 'dev'), 'other'],
    ]);
    const principal = withEnvironments(
      { label: 't', grants: [{ projects: ['gw'], role: 'operate' }] },
      owners,
    );
    expect(roleOn(principal, 'gw--dev')).toBe('operate');
    expect(roleOn(principal, 'other--dev')).toBeUndefined();
    expect(roleOn(principal, 'gw--prod')).toBeUndefined();
  });
});
