import { describe, expect, it } from 'vitest';
import { formatDiagnostic, sortDiagnostics } from '../../../src/stack/diagnostics.js';
import { parseYaml } from '../../../src/stack/parse.js';
import { isWarning } from '../../../src/stack/severity.js';
import { findUnsupported } from '../../../src/stack/unsupported.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function refusals(text: string): string[] {
  const { doc } = parseYaml('compose.yaml', text);
  if (!doc) throw new Error('does not parse');
  return sortDiagnostics(findUnsupported(doc)).map(formatDiagnostic);
}

describe('findUnsupported', () => {
  it('refuses what Spin does not run, by name, at the value, saying what to do instead', () => {
    const text = lines(
      'include: [base.yaml]', //                                    1
      'services:', //                                               2
      '  web:', //                                                  3
      '    build: ./web', //                                        4
      '    env_file: .env', //                                      5
      '    links: [db]', //                                         6
      '    platform: linux/arm64', //                               7
      '    secrets: [token]', //                                    8
      '    deploy:', //                                             9
      '      mode: global', //                                      10
      '      placement: { constraints: [node.role==manager] }', //  11 (the engine's and the policy's: not here)
      '  db:', //                                                   12
      '    image: postgres', //                                     13
      '    extends: { service: base }', //                          14
      '    develop: { watch: [] }', //                              15
      'secrets:', //                                                16
      '  token: { file: ./token }', //                              17
    );
    expect(refusals(text)).toEqual([
      'compose.yaml:1:10: unsupported.include: include is not supported: put every service of the project in this one stack file',
      'compose.yaml:4:12: unsupported.build: services.web.build is not supported: build the image in CI and push it to a registry, then reference it with image:',
      'compose.yaml:6:12: unsupported.links: services.web.links is not supported: services on a shared network reach each other by service name; use networks: (with aliases: for more names)',
      "compose.yaml:7:15: unsupported.platform: services.web.platform is not supported: Spin runs images for the engine's own platform; use an image built for it (or multi-platform) and remove platform:",
      'compose.yaml:10:13: unsupported.deploy.mode: services.web.deploy.mode: global is not supported: Spin runs on a single engine; use deploy.replicas (one-off jobs run outside Spin)',
      'compose.yaml:14:14: unsupported.extends: services.db.extends is not supported: write the service out in full; YAML anchors (&name, *name) and `<<:` merge keys can share settings',
      'compose.yaml:15:14: unsupported.develop: services.db.develop is not supported: it configures `docker compose watch` on a laptop; remove it, Spin deploys what is in git',
    ]);
  });

  it('reports keys it ignores as warnings', () => {
    const text = lines(
      'version: "3.8"',
      'name: my-project',
      'services:',
      '  web:',
      '    image: app',
      '    container_name: web',
      '    restart: on-failure:5',
      '    deploy: { labels: [a=b], rollback_config: { parallelism: 1 }, restart_policy: { max_attempts: 3 } }',
    );
    const { doc } = parseYaml('compose.yaml', text);
    if (!doc) throw new Error('does not parse');
    const found = sortDiagnostics(findUnsupported(doc));
    expect(found.every(isWarning)).toBe(true);
    expect(found.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '1:10 ignored.version',
      '2:7 ignored.name',
      '6:21 ignored.container_name',
      '7:14 ignored.restart',
      '8:23 ignored.deploy.labels',
      '8:47 ignored.deploy.rollback_config',
      '8:99 ignored.deploy.restart_policy',
    ]);
  });

  it('accepts the values of refusable keys that mean the default', () => {
    const text = lines(
      'services:',
      '  web: { image: app, pull_policy: missing, deploy: { mode: replicated } }',
      'networks: { n: { external: false } }',
      'volumes: { v: { external: false } }',
    );
    expect(refusals(text)).toEqual([]);
  });

  it('refuses networks and volumes Spin would not own', () => {
    const text = lines(
      'services:',
      '  web: { image: app }',
      'networks:',
      '  outside: { external: true }',
      '  fixed: { ipam: { config: [{ subnet: 172.20.0.0/24 }] }, name: custom }',
      'volumes:',
      '  shared: { external: true, name: other }',
    );
    expect(refusals(text).map((line) => line.split(': ').slice(0, 2).join(': '))).toEqual([
      'compose.yaml:4:24: unsupported.network.external',
      'compose.yaml:5:18: unsupported.network.ipam',
      'compose.yaml:5:65: unsupported.network.name',
      'compose.yaml:7:23: unsupported.volume.external',
      'compose.yaml:7:35: unsupported.volume.name',
    ]);
  });

  it('skips services that do not run (they have profiles:)', () => {
    expect(
      refusals(lines('services:', '  dev: { build: ., profiles: [dev] }', '  web: { image: app }')),
    ).toEqual([]);
  });

  it('leaves the security policy to src/policy', () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: app',
      '    privileged: true',
      '    cap_add: [SYS_ADMIN]',
      '    network_mode: host',
      '    volumes: [/var/run/docker.sock:/var/run/docker.sock]',
    );
    expect(refusals(text)).toEqual([]);
  });
});
