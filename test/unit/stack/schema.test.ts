import { describe, expect, it } from 'vitest';
import { formatDiagnostic, sortDiagnostics } from '../../../src/stack/diagnostics.js';
import { interpolateDocument } from '../../../src/stack/interpolate.js';
import { parseYaml } from '../../../src/stack/parse.js';
import { validateSchema } from '../../../src/stack/schema.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

/** Schema diagnostics as `FILE:LINE:COL: RULE: message`, top to bottom. */
function check(text: string, env: Record<string, string> = {}): string[] {
  const { doc } = parseYaml('compose.yaml', text);
  if (!doc) throw new Error('does not parse');
  return sortDiagnostics(validateSchema(interpolateDocument(doc, env).doc)).map(formatDiagnostic);
}

describe('validateSchema', () => {
  it('accepts a stack using the long and short forms Spin runs', () => {
    const text = lines(
      'version: "3.8"',
      'x-common: &common',
      '  restart: unless-stopped',
      'services:',
      '  web:',
      '    <<: *common',
      '    image: nginx:1.27',
      '    command: ["nginx", "-g", "daemon off;"]',
      '    environment: { A: "1", B: 2, C: true, D: null }',
      '    labels: ["a=b"]',
      '    ports:',
      '      - 80',
      '      - "8080:80"',
      '      - { target: 443, published: "8443", protocol: tcp, mode: host }',
      '    volumes:',
      '      - data:/data:ro',
      '      - { type: bind, source: ./conf, target: /etc/conf, read_only: true, bind: { propagation: rprivate } }',
      '      - { type: tmpfs, target: /tmp, tmpfs: { size: 64m, mode: 1777 } }',
      '    networks: { back: { aliases: [api] } }',
      '    depends_on: { db: { condition: service_healthy, restart: true } }',
      '    healthcheck: { test: "curl -f localhost", interval: 1m30s, retries: 3, start_period: 500ms }',
      '    deploy:',
      '      replicas: 2',
      '      resources: { limits: { memory: 1.5gb, cpus: "0.5", pids: 100 }, reservations: { memory: 256m } }',
      '      restart_policy: { condition: on-failure }',
      '      update_config: { parallelism: 1, delay: 10s, order: start-first, failure_action: rollback, monitor: 5s }',
      '    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }',
      '    sysctls: { net.core.somaxconn: 1024 }',
      '    x-note: anything',
      '  db:',
      '    image: postgres:16',
      '    networks: [back]',
      'networks:',
      '  back:',
      '    internal: true',
      'volumes:',
      '  data:',
      'x-anything: [1, 2]',
    );
    expect(check(text)).toEqual([]);
  });

  it('accepts numbers that interpolation turned into text', () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: app',
      '    ports: ["${PORT}:80", { target: "${TARGET}", published: "${PORT}" }]',
      '    scale: ${N}',
      '    cpus: ${CPUS}',
      '    read_only: ${RO}',
      '    deploy: { replicas: "${N}", resources: { limits: { cpus: "${CPUS}" } } }',
    );
    expect(check(text, { PORT: '8080', TARGET: '80', N: '3', CPUS: '0.5', RO: 'true' })).toEqual([]);
  });

  it('names unknown keys, at every level, with a hint for misspellings', () => {
    const text = lines(
      'services:', //                       1
      '  web:', //                          2
      '    image: app', //                  3
      '    enviroment: { A: "1" }', //      4
      '    foo: bar', //                    5
      '    healthcheck:', //                6
      '      test: ["CMD", "true"]', //     7
      '      intervall: 5s', //             8
      'servces: {}', //                     9
    );
    expect(check(text)).toEqual([
      "compose.yaml:4:17: schema.additionalProperties: unknown key 'enviroment' in services.web (did you mean 'environment'?)",
      "compose.yaml:5:10: schema.additionalProperties: unknown key 'foo' in services.web",
      "compose.yaml:8:18: schema.additionalProperties: unknown key 'intervall' in services.web.healthcheck (did you mean 'interval'?)",
      "compose.yaml:9:10: schema.additionalProperties: unknown key 'servces' at the top level (did you mean 'services'?)",
    ]);
  });

  it('requires services', () => {
    expect(check(lines('volumes: {}'))).toEqual([
      "compose.yaml:1:1: schema.required: the file is missing required key 'services'",
    ]);
  });

  it('gives one message per wrong value, not one per alternative the schema allows', () => {
    const text = lines(
      'services:', //                                  1
      '  web:', //                                     2
      '    image: 3', //                               3
      '    ports:', //                                 4
      '      - [8080, 80]', //                         5
      '      - { target: 80, bogus: 1 }', //           6
      '      - { published: 80 }', //                  7
      '    restart: sometimes', //                     8
      '    environment: "A=1"', //                     9
      '    healthcheck: { interval: 10 }', //          10
      '    deploy: { replicas: many }', //             11
      '    ulimits: { nofile: lots }', //              12
      '    depends_on: { db: { condition: up } }', //  13
      '    volumes: [{ type: nfs, target: /x }]', //   14
      '  "bad name!": { image: x }', //                15
      'networks: { n: 3 }', //                         16
    );
    expect(check(text)).toEqual([
      'compose.yaml:3:12: schema.type: services.web.image must be a string, not 3',
      "compose.yaml:5:9: schema.type: services.web.ports.0 must be a port such as 80, '8080:80' or '127.0.0.1:8080:80/udp', or a mapping with target:, not a list",
      "compose.yaml:6:30: schema.additionalProperties: unknown key 'bogus' in services.web.ports.1",
      "compose.yaml:7:9: schema.required: services.web.ports.2 is missing required key 'target'",
      "compose.yaml:8:14: schema.pattern: services.web.restart must be one of no, always, on-failure, on-failure:N, unless-stopped, not 'sometimes'",
      "compose.yaml:9:18: schema.type: services.web.environment must be a mapping of names to values, or a list of 'NAME=value' strings, not 'A=1'",
      "compose.yaml:10:30: schema.type: services.web.healthcheck.interval must be a duration such as '10s', '1m30s' or '500ms', not 10",
      "compose.yaml:11:25: schema.pattern: services.web.deploy.replicas must be a whole number, not 'many'",
      "compose.yaml:12:24: schema.pattern: services.web.ulimits.nofile must be a whole number or a mapping with soft: and hard:, not 'lots'",
      "compose.yaml:13:36: schema.enum: services.web.depends_on.db.condition must be one of service_started, service_healthy, service_completed_successfully, not 'up'",
      "compose.yaml:14:23: schema.enum: services.web.volumes.0.type must be one of volume, bind, tmpfs, not 'nfs'",
      "compose.yaml:15:16: schema.propertyNames: invalid name 'bad name!' in services: names must be made of letters, digits, '.', '_' and '-'",
      'compose.yaml:16:16: schema.type: networks.n must be empty or a mapping, not 3',
    ]);
  });

  it('lets through keys Spin refuses later by name, so the refusal can say why', () => {
    const text = lines(
      'include: [other.yaml]',
      'services:',
      '  web:',
      '    build: .',
      '    platform: linux/arm64',
      '    secrets: [token]',
      '    deploy: { mode: global, placement: { constraints: [] } }',
      'secrets: { token: { file: ./token } }',
    );
    expect(check(text)).toEqual([]);
  });
});
