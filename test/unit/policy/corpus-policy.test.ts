/**
 * The awesome-compose corpus under spin-default: one expected verdict per file. A verdict is
 * 'ok', or the sorted rule ids with the line of the first refusal; files the loader refuses
 * (most often `build:`) are marked `load:` with the loader's rule ids.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicy, resolvePolicy } from '../../../src/policy/index.js';
import { FolderReader } from '../../../src/stack/fs-reader.js';
import { loadStack } from '../../../src/stack/load.js';
import { isWarning } from '../../../src/stack/severity.js';

const CORPUS = path.resolve(process.cwd(), '../shared/corpus/awesome-compose');
const STACK_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const EXPECTED: Record<string, string> = {
  'angular/compose.yaml': 'load: unsupported.build @4',
  'apache-php/compose.yaml': 'load: unsupported.build @4',
  'aspnet-mssql/compose.yaml': 'load: unsupported.build @3',
  'django/compose.yaml': 'load: unsupported.build @4',
  'elasticsearch-logstash-kibana/compose.yaml':
    'isolation.container-name mounts.repo-writable privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'fastapi/compose.yaml': 'load: unsupported.build @4',
  'flask-redis/compose.yaml': 'load: unsupported.build @8',
  'flask/compose.yaml': 'load: unsupported.build @4',
  'gitea-postgres/compose.yaml':
    'image.latest privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'minecraft/compose.yaml': 'load: stack.invalid-volume @13',
  'nextcloud-postgres/compose.yaml':
    'ports.privileged privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'nextcloud-redis-mariadb/compose.yaml':
    'ports.privileged privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'nginx-aspnet-mysql/compose.yaml': 'load: unsupported.build @4',
  'nginx-flask-mongo/compose.yaml': 'load: unsupported.build @16',
  'nginx-flask-mysql/compose.yaml': 'load: unsupported.build @29',
  'nginx-golang-mysql/compose.yaml': 'load: unsupported.build @4',
  'nginx-golang-postgres/compose.yaml': 'load: unsupported.build @4',
  'nginx-golang/compose.yaml': 'load: unsupported.build @16',
  'nginx-nodejs-redis/compose.yaml': 'load: unsupported.build @9',
  'nginx-wsgi-flask/compose.yaml': 'load: unsupported.build @3',
  'pihole-cloudflared-DoH/compose.yaml': 'load: unsupported.network.ipam @54',
  'plex/compose.yaml': 'load: stack.invalid-volume @10',
  'portainer/compose.yaml':
    'isolation.container-name mounts.docker-socket privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'postgresql-pgadmin/compose.yaml':
    'image.latest isolation.container-name privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'prometheus-grafana/compose.yaml':
    'image.tag-required isolation.container-name mounts.repo-writable privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @3',
  'react-express-mongodb/compose.yaml': 'load: unsupported.build @4',
  'react-express-mysql/compose.yaml': 'load: unsupported.build @4',
  'react-java-mysql/compose.yaml': 'load: unsupported.build @3',
  'react-nginx/compose.yaml': 'load: unsupported.build @4',
  'react-rust-postgres/compose.yaml': 'load: unsupported.build @5',
  'sparkjava-mysql/compose.yaml': 'load: unsupported.build @3',
  'sparkjava/compose.yaml': 'load: unsupported.build @3',
  'spring-postgres/compose.yaml': 'load: unsupported.build @3',
  'traefik-golang/compose.yaml': 'load: unsupported.build @14',
  'vuejs/compose.yaml': 'load: unsupported.build @4',
  'wasmedge-kafka-mysql/compose.yml': 'load: unsupported.build unsupported.platform unsupported.runtime @23',
  'wasmedge-mysql-nginx/compose.yml': 'load: unsupported.build unsupported.platform unsupported.runtime @11',
  'wireguard/compose.yaml':
    'image.tag-required isolation.container-name mounts.bind-root privilege.cap-add privilege.cap-drop-all privilege.no-new-privileges privilege.sysctls resources.limits-required @4',
  'wordpress-mysql/compose.yaml':
    'image.latest ports.privileged privilege.cap-drop-all privilege.no-new-privileges resources.limits-required @4',
};

function corpusFiles(): { key: string; dir: string }[] {
  if (!existsSync(CORPUS)) {
    throw new Error(
      `the awesome-compose corpus is missing: expected it at ${CORPUS} (../shared/corpus/awesome-compose)`,
    );
  }
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const file = STACK_FILES.find((f) => existsSync(path.join(CORPUS, e.name, f)));
      return file ? [{ key: `${e.name}/${file}`, dir: path.join(CORPUS, e.name) }] : [];
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

function summary(diagnostics: { rule: string; line: number }[], prefix = ''): string {
  if (diagnostics.length === 0) return 'ok';
  const rules = [...new Set(diagnostics.map((d) => d.rule))].sort().join(' ');
  const first = Math.min(...diagnostics.map((d) => d.line));
  return `${prefix}${rules} @${first}`;
}

async function verdict(dir: string): Promise<string> {
  const loaded = await loadStack(new FolderReader(dir), { project: 'corpus', env: {} });
  if (!loaded.ok)
    return summary(
      loaded.diagnostics.filter((d) => !isWarning(d)),
      'load: ',
    );
  const resolved = resolvePolicy(undefined, {});
  if (!resolved.ok) throw new Error(resolved.error);
  const { document, model } = loaded;
  return summary(checkPolicy({ document, model, project: 'corpus', stackDir: '' }, resolved.policy));
}

describe('awesome-compose under spin-default', () => {
  it('finds the corpus at ../shared', () => {
    expect(corpusFiles().length).toBeGreaterThan(30);
  });

  it('gives every file its expected verdict', async () => {
    const actual: Record<string, string> = {};
    for (const { key, dir } of corpusFiles()) actual[key] = await verdict(dir);
    expect(actual).toEqual(EXPECTED);
  });
});
