/**
 * The last gate's ceilings and allow lists for the numeric and free-text fields of a create
 * body (issue 12's attacker's audit): stop timeout and signal, healthcheck durations and
 * retries, names and addresses, request and label sizes — on hand-made bodies, including values
 * the render never produces (a negative StopTimeout, LinkLocalIPs) but a changed render could.
 */
import { describe, expect, it } from 'vitest';
import {
  admitContainer,
  admitNetwork,
  admitVolume,
  type AdmissionContext,
} from '../../../src/policy/admission/index.js';
import { BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';

const ctx: AdmissionContext = {
  policy: structuredClone(BUILTIN_DEFAULT_POLICY),
  project: 'p',
  containers: new Map([['p_web_1', 'web']]),
  spinRoots: ['/state/checkouts/p/c0ffee'],
};

function body(extra: Record<string, unknown> = {}, host: Record<string, unknown> = {}) {
  return {
    name: 'p_web_1',
    Image: 'spin-test/busybox:1',
    User: '1000:1000',
    StopTimeout: 10,
    HostConfig: {
      NetworkMode: 'p_default',
      Memory: 64 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 1024,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      ...host,
    },
    ...extra,
  };
}

const findings = (b: unknown, policy = ctx.policy) =>
  admitContainer(b, 'web', { ...ctx, policy }).map((f) => `${f.rule} ${f.request}`);

describe('the last gate: stop timeout and signal', () => {
  it('accepts the render of a plain service', () => {
    expect(findings(body())).toEqual([]);
    expect(findings(body({ StopTimeout: 60, StopSignal: 'SIGQUIT' }))).toEqual([]);
    expect(findings(body({ StopTimeout: 0, StopSignal: 'rtmin+3' }))).toEqual([]);
  });

  it('refuses a stop timeout above the ceiling, negative (the engine waits for ever) or not whole', () => {
    for (const t of [61, 3600, -1, 1.5, '10', null])
      expect(findings(body({ StopTimeout: t })), String(t)).toEqual([
        'resources.stop-grace-period StopTimeout',
      ]);
  });

  it('follows maxStopGracePeriod', () => {
    const policy = structuredClone(ctx.policy);
    policy.resources.maxStopGracePeriod = '5m';
    expect(findings(body({ StopTimeout: 300 }), policy)).toEqual([]);
    expect(findings(body({ StopTimeout: 301 }), policy)).toEqual(['resources.stop-grace-period StopTimeout']);
  });

  it('refuses stop signals that are not signals, or that pause the process', () => {
    for (const s of ['SIGFOO', 'SIGSTOP', 'tstp', 'TTIN', '19', '0', '65', '', 9])
      expect(findings(body({ StopSignal: s })), String(s)).toEqual(['resources.stop-signal StopSignal']);
    for (const s of ['SIGTERM', 'term', 'SIGKILL', '15', '64', 'SIGWINCH', 'SIGRTMAX-2'])
      expect(findings(body({ StopSignal: s })), s).toEqual([]);
  });
});

describe('the last gate: healthcheck ceilings', () => {
  const hc = (check: Record<string, unknown>) =>
    findings(body({ Healthcheck: { Test: ['CMD', 'true'], ...check } }));
  const S = 1e9;

  it('accepts durations and retries within the bounds, and 0 (the engine default)', () => {
    expect(
      hc({ Interval: 600 * S, Timeout: 60 * S, StartPeriod: 600 * S, StartInterval: S, Retries: 100 }),
    ).toEqual([]);
    expect(hc({ Interval: 0, Timeout: 0, StartPeriod: 0, Retries: 0 })).toEqual([]);
  });

  it('refuses a timeout that parks a probe, a first probe hours away, and endless retries', () => {
    expect(hc({ Timeout: 3600 * S })).toEqual(['resources.healthcheck Healthcheck.Timeout']);
    expect(hc({ Interval: 601 * S })).toEqual(['resources.healthcheck Healthcheck.Interval']);
    expect(hc({ StartPeriod: 86_400 * S })).toEqual(['resources.healthcheck Healthcheck.StartPeriod']);
    expect(hc({ StartInterval: 86_400 * S })).toEqual(['resources.healthcheck Healthcheck.StartInterval']);
    for (const r of [101, 1e9, -1, 2.5, '3'])
      expect(hc({ Retries: r }), String(r)).toEqual(['resources.healthcheck Healthcheck.Retries']);
  });
});

describe('the last gate: names and addresses a container gives itself', () => {
  it('accepts host names, IPs, host-gateway and 169.254.169.254 (only the own /etc/hosts changes)', () => {
    expect(
      findings(
        body(
          { Hostname: 'web-1', Domainname: 'lab.example.org' },
          {
            ExtraHosts: ['db:10.0.0.5', 'meta:169.254.169.254', 'gw:host-gateway', 'v6:::1', 'b:[fe80::1]'],
            Dns: ['1.1.1.1', '2606:4700:4700::1111'],
            DnsSearch: ['lab.example.org'],
          },
        ),
      ),
    ).toEqual([]);
  });

  it('refuses hostnames, extra hosts, DNS entries and aliases that are not names or addresses', () => {
    expect(
      findings(
        body(
          { Hostname: 'a\nb', Domainname: 'x'.repeat(65) },
          {
            ExtraHosts: ['a:1.2.3.4\n5.6.7.8 evil', 'noaddress', 'x:other-web', 7],
            Dns: ['resolver.example.org'],
            DnsSearch: ['a b'],
          },
        ),
      ),
    ).toEqual([
      'network.hostname Hostname',
      'network.hostname Domainname',
      'network.extra-hosts HostConfig.ExtraHosts',
      'network.dns HostConfig.Dns.0',
      'network.dns HostConfig.DnsSearch.0',
    ]);
    expect(findings(body({}, { ExtraHosts: ['a:1.2.3.4\n5.6.7.8 evil', 'x:other-web'] }))).toEqual([
      'network.extra-hosts HostConfig.ExtraHosts.0',
      'network.extra-hosts HostConfig.ExtraHosts.1',
    ]);
  });

  it('allows only aliases and fixed IP addresses on an endpoint (never LinkLocalIPs)', () => {
    const endpoint = (e: Record<string, unknown>) =>
      findings(body({ NetworkingConfig: { EndpointsConfig: { p_default: e } } }));
    expect(endpoint({ Aliases: ['web', 'db_primary'], IPAMConfig: { IPv4Address: '172.30.0.9' } })).toEqual(
      [],
    );
    expect(endpoint({ Aliases: ['a b'] })).toEqual([
      'network.hostname NetworkingConfig.EndpointsConfig.p_default.Aliases',
    ]);
    expect(endpoint({ IPAMConfig: { LinkLocalIPs: ['169.254.169.254'] } })).toEqual([
      'admission.unknown-field NetworkingConfig.EndpointsConfig.p_default.IPAMConfig.LinkLocalIPs',
    ]);
    expect(endpoint({ IPAMConfig: { IPv4Address: 'x' } })).toEqual([
      'network.hostname NetworkingConfig.EndpointsConfig.p_default.IPAMConfig.IPv4Address',
    ]);
  });

  it('refuses restart policy fields Spin does not send', () => {
    expect(findings(body({}, { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }))).toEqual([]);
    expect(findings(body({}, { RestartPolicy: { Name: 'always', Extra: 1 } }))).toEqual([
      'admission.unknown-field HostConfig.RestartPolicy.Extra',
    ]);
  });
});

describe('the last gate: request and label sizes', () => {
  it('refuses a body above maxRequestBytes (a huge env var or command)', () => {
    expect(findings(body({ Env: [`A=${'x'.repeat(200_000)}`] }))).toEqual([]);
    expect(findings(body({ Env: [`A=${'x'.repeat(300_000)}`] }))).toEqual(['resources.request-size (body)']);
    expect(findings(body({ Cmd: ['x'.repeat(300_000)] }))).toEqual(['resources.request-size (body)']);
  });

  it('refuses labels above maxLabelBytes on containers, volumes and networks', () => {
    const big = { big: 'x'.repeat(17_000) };
    expect(findings(body({ Labels: { small: 'x'.repeat(16_000) } }))).toEqual([]);
    expect(findings(body({ Labels: big }))).toEqual(['resources.request-size Labels']);
    expect(admitVolume({ Name: 'p_v', Labels: big }, 'v', ctx).map((f) => f.rule)).toEqual([
      'resources.request-size',
    ]);
    expect(admitNetwork({ Name: 'p_n', Driver: 'bridge', Labels: big }, 'n', ctx).map((f) => f.rule)).toEqual(
      ['resources.request-size'],
    );
  });

  it('follows the operator: a group switched off reports nothing of it', () => {
    const policy = structuredClone(ctx.policy);
    policy.resources.enabled = false;
    policy.network.enabled = false;
    expect(
      findings(body({ StopTimeout: 3600, Labels: { big: 'x'.repeat(17_000) }, Hostname: 'a b' }), policy),
    ).toEqual([]);
  });
});
