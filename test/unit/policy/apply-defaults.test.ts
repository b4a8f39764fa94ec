import { describe, expect, it } from 'vitest';
import { applyPolicyDefaults, BUILTIN_DEFAULT_POLICY, resolvePolicy } from '../../../src/policy/index.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import { model, service } from '../reconciler/fixtures.js';

const fill = (overrides: Parameters<typeof service>[1]) =>
  applyPolicyDefaults(model('p', [service('web', overrides)]), BUILTIN_DEFAULT_POLICY).services.web;

describe('applyPolicyDefaults', () => {
  it('gives a service without them a pids limit and a rotating json-file log', () => {
    const web = fill({});
    expect(web?.limits.pids).toBe(1024);
    expect(web?.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
  });

  it('keeps what the stack sets, and fills only missing rotation of the default driver', () => {
    expect(fill({ limits: { pids: 50 } })?.limits.pids).toBe(50);
    expect(fill({ logging: { driver: 'local', options: {} } })?.logging).toEqual({
      driver: 'local',
      options: {},
    });
    expect(fill({ logging: { driver: 'json-file', options: { 'max-file': '2' } } })?.logging).toEqual({
      driver: 'json-file',
      options: { 'max-size': '10m', 'max-file': '2' },
    });
    // An empty driver is "the engine's default", which is the host's choice: the policy's instead.
    expect(fill({ logging: { driver: '', options: { 'syslog-address': 'udp://x' } } })?.logging?.driver).toBe(
      'json-file',
    );
  });

  it('leaves its input alone, and the hash covers what it filled in', () => {
    const m = model('p', [service('web')]);
    const filled = applyPolicyDefaults(m, BUILTIN_DEFAULT_POLICY);
    expect(m.services.web?.limits.pids).toBeUndefined();
    expect(serviceConfigHash('p', filled.services.web!)).not.toBe(serviceConfigHash('p', m.services.web!));
  });

  it("takes an operator's default log config and ulimits as a whole, not merged with the built-in ones", () => {
    const resolved = resolvePolicy('ops', {
      ops: {
        logging: { drivers: ['local'], default: { driver: 'local', options: { 'max-size': '5m' } } },
        privilege: { ulimits: { nofile: 4096 } },
      },
    });
    if (!resolved.ok) throw new Error(resolved.error);
    expect(resolved.policy.privilege.ulimits).toEqual({ nofile: 4096 });
    const web = applyPolicyDefaults(model('p', [service('web')]), resolved.policy).services.web;
    expect(web?.logging).toEqual({ driver: 'local', options: { 'max-size': '5m' } });
  });
});
