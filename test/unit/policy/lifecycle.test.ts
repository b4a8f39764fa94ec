/**
 * The YAML rules for how a service is stopped and updated, and for the names and addresses it
 * gives itself: each refusal located at the value that asks for it, with the ceilings from the
 * operator's policy.
 */
import { describe, expect, it } from 'vitest';
import { check, only, refusals } from './helpers.js';

const P = only('resources');
const LIMITS = '    deploy: { resources: { limits: { memory: 64m, cpus: "0.5" } } }\n';

describe('resources.stop-grace-period', () => {
  it('refuses a grace period above maxStopGracePeriod where it is written', () => {
    const found = check(
      `services:\n  a:\n    image: nginx:1\n${LIMITS}    stop_grace_period: 2h\n  b:\n    image: nginx:1\n${LIMITS}    stop_grace_period: 1m\n`,
      P,
    );
    expect(found.map((d) => `${d.line}:${d.column}:${d.rule}`)).toEqual(['5:24:resources.stop-grace-period']);
    expect(found[0]?.message).toContain('7200s is above the ceiling of 60s');
  });

  it('follows the operator', () => {
    const generous = only('resources', { resources: { maxStopGracePeriod: '3h' } });
    expect(
      refusals(`services:\n  a:\n    image: nginx:1\n${LIMITS}    stop_grace_period: 2h\n`, generous),
    ).toEqual([]);
  });
});

describe('resources.stop-signal', () => {
  it('refuses a signal that is not one, or pauses the process', () => {
    expect(
      refusals(
        `services:\n  a:\n    image: nginx:1\n${LIMITS}    stop_signal: SIGSTOP\n  b:\n    image: nginx:1\n${LIMITS}    stop_signal: SIGNOPE\n  c:\n    image: nginx:1\n${LIMITS}    stop_signal: SIGQUIT\n`,
        P,
      ),
    ).toEqual(['5:resources.stop-signal', '9:resources.stop-signal']);
  });
});

describe('resources.update-wait', () => {
  it('refuses an update delay or monitor window above maxUpdateWait', () => {
    expect(
      refusals(
        `services:\n  a:\n    image: nginx:1\n    deploy:\n      resources: { limits: { memory: 64m, cpus: "0.5" } }\n      update_config:\n        delay: 1000h\n        monitor: 11m\n`,
        P,
      ),
    ).toEqual(['7:resources.update-wait', '8:resources.update-wait']);
  });
});

describe('resources.healthcheck ceilings', () => {
  it('refuses a long timeout, interval or start period and endless retries, each where written', () => {
    expect(
      refusals(
        `services:\n  a:\n    image: nginx:1\n${LIMITS}    healthcheck:\n      test: [CMD, "true"]\n      interval: 11m\n      timeout: 2m\n      start_period: 1h\n      retries: 101\n`,
        P,
      ),
    ).toEqual([
      '7:resources.healthcheck',
      '8:resources.healthcheck',
      '9:resources.healthcheck',
      '10:resources.healthcheck',
    ]);
  });
});

describe('network.hostname, network.extra-hosts, network.dns', () => {
  it('refuses malformed names and addresses at their entry, in the list and the map form', () => {
    expect(
      refusals(
        'services:\n  a:\n    image: nginx:1\n    hostname: "a b"\n    extra_hosts:\n      - "ok:10.0.0.1"\n      - "bad:not-an-ip"\n    dns: [1.1.1.1, "x y"]\n  b:\n    image: nginx:1\n    extra_hosts:\n      good: 10.0.0.1\n      "b d": 10.0.0.2\n    dns_search: [example.org, "a b"]\n',
        only('network'),
      ),
    ).toEqual([
      '4:network.hostname',
      '7:network.extra-hosts',
      '8:network.dns',
      '13:network.extra-hosts',
      '14:network.dns',
    ]);
  });
});
