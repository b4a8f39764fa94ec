import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';

const base = `projects:\n  - name: gw\n    repo: http://127.0.0.1:1/gw.git\n`;

describe('daemon config: secrets', () => {
  it('defaults to SPIN_SECRET_KEY and /run/spin, and hands the settings to every project', () => {
    const result = parseConfig('/etc/spin/spin.yaml', base);
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const expected = {
      stateDir: '/etc/spin/.spin',
      keyEnv: 'SPIN_SECRET_KEY',
      keyEnvExplicit: false,
      runtimeDir: '/run/spin',
    };
    expect(result.config.secrets).toEqual(expected);
    expect(result.config.projects[0]?.secrets).toEqual(expected);
  });

  it('resolves paths against the config file', () => {
    const result = parseConfig(
      '/etc/spin/spin.yaml',
      `${base}secrets:\n  keyFile: keys/store.key\n  keyEnv: GW_KEY\n  ageIdentityFile: /etc/spin/age.txt\n  runtimeDir: ../run/spin\n`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    expect(result.config.secrets).toEqual({
      stateDir: '/etc/spin/.spin',
      keyFile: '/etc/spin/keys/store.key',
      keyEnv: 'GW_KEY',
      keyEnvExplicit: true,
      ageIdentityFile: '/etc/spin/age.txt',
      runtimeDir: '/etc/run/spin',
    });
  });

  it("a project's own age identity replaces the daemon's for that project only", () => {
    const result = parseConfig(
      '/etc/spin/spin.yaml',
      `${base}    secrets: { ageIdentityFile: gw-age.txt }\n  - name: other\n    repo: http://127.0.0.1:1/o.git\n` +
        `secrets:\n  ageIdentityFile: /etc/spin/age.txt\n`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
    const [gw, other] = result.config.projects;
    expect(gw?.secrets?.ageIdentityFile).toBe('/etc/spin/gw-age.txt');
    expect(gw?.secrets?.keyEnv).toBe('SPIN_SECRET_KEY');
    expect(other?.secrets?.ageIdentityFile).toBe('/etc/spin/age.txt');
    expect(result.config.secrets.ageIdentityFile).toBe('/etc/spin/age.txt');
    const bad = parseConfig('spin.yaml', `${base}    secrets: { keyFile: x }\n`);
    expect(bad.ok).toBe(false);
  });

  it('refuses unknown settings and bad variable names', () => {
    const result = parseConfig('spin.yaml', `${base}secrets:\n  keyEnv: "1bad"\n  colour: blue\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => d.rule).sort()).toEqual([
      'config.additionalProperties',
      'config.pattern',
    ]);
  });
});
