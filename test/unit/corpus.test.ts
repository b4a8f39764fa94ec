/**
 * Every stack file of the awesome-compose corpus (real users' files, at ../shared) goes through
 * loadStack: it must never throw, and each is either accepted or refused with located, named
 * reasons. The verdicts below were generated once from the real output and checked by hand.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderReader } from '../../src/stack/fs-reader.js';
import { loadStack, STACK_FILE_NAMES, type LoadResult } from '../../src/stack/load.js';
import { isWarning } from '../../src/stack/severity.js';

const CORPUS = path.resolve(process.cwd(), '../shared/corpus/awesome-compose');

/** 'ok', or the rule of the first error (warnings do not count). */
const EXPECTED: Record<string, string> = {
  'angular/compose.yaml': 'unsupported.build',
  'apache-php/compose.yaml': 'unsupported.build',
  'aspnet-mssql/compose.yaml': 'unsupported.build',
  'django/compose.yaml': 'unsupported.build',
  'elasticsearch-logstash-kibana/compose.yaml': 'ok',
  'fastapi/compose.yaml': 'unsupported.build',
  'flask-redis/compose.yaml': 'unsupported.build',
  'flask/compose.yaml': 'unsupported.build',
  'gitea-postgres/compose.yaml': 'ok',
  'minecraft/compose.yaml': 'stack.invalid-volume',
  'nextcloud-postgres/compose.yaml': 'ok',
  'nextcloud-redis-mariadb/compose.yaml': 'ok',
  'nginx-aspnet-mysql/compose.yaml': 'unsupported.build',
  'nginx-flask-mongo/compose.yaml': 'unsupported.build',
  'nginx-flask-mysql/compose.yaml': 'unsupported.build',
  'nginx-golang-mysql/compose.yaml': 'unsupported.build',
  'nginx-golang-postgres/compose.yaml': 'unsupported.build',
  'nginx-golang/compose.yaml': 'unsupported.build',
  'nginx-nodejs-redis/compose.yaml': 'unsupported.build',
  'nginx-wsgi-flask/compose.yaml': 'unsupported.build',
  'pihole-cloudflared-DoH/compose.yaml': 'unsupported.network.ipam',
  'plex/compose.yaml': 'stack.invalid-volume',
  'portainer/compose.yaml': 'ok',
  'postgresql-pgadmin/compose.yaml': 'ok',
  'prometheus-grafana/compose.yaml': 'ok',
  'react-express-mongodb/compose.yaml': 'unsupported.build',
  'react-express-mysql/compose.yaml': 'unsupported.build',
  'react-java-mysql/compose.yaml': 'unsupported.build',
  'react-nginx/compose.yaml': 'unsupported.build',
  'react-rust-postgres/compose.yaml': 'unsupported.build',
  'sparkjava-mysql/compose.yaml': 'unsupported.build',
  'sparkjava/compose.yaml': 'unsupported.build',
  'spring-postgres/compose.yaml': 'unsupported.build',
  'traefik-golang/compose.yaml': 'unsupported.build',
  'vuejs/compose.yaml': 'unsupported.build',
  'wasmedge-kafka-mysql/compose.yml': 'unsupported.platform',
  'wasmedge-mysql-nginx/compose.yml': 'unsupported.platform',
  'wireguard/compose.yaml': 'ok',
  'wordpress-mysql/compose.yaml': 'ok',
};

function corpus(): Array<{ key: string; dir: string }> {
  if (!existsSync(CORPUS)) {
    throw new Error(`../shared is missing: the awesome-compose corpus is expected at ${CORPUS}`);
  }
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const file = STACK_FILE_NAMES.find((name) => existsSync(path.join(CORPUS, entry.name, name)));
      return file ? [{ key: `${entry.name}/${file}`, dir: path.join(CORPUS, entry.name) }] : [];
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

function verdict(result: LoadResult): string {
  return result.ok
    ? 'ok'
    : (result.diagnostics.find((d) => !isWarning(d))?.rule ?? 'refused without an error');
}

describe('the awesome-compose corpus', () => {
  it('loads every file into a model or located, named reasons', async () => {
    const files = corpus();
    expect(files.length).toBeGreaterThanOrEqual(39);
    const actual: Record<string, string> = {};
    for (const { key, dir } of files) {
      const result = await loadStack(new FolderReader(dir), { project: 'corpus', env: {} });
      for (const d of result.diagnostics) {
        expect(d.line, `${key}: ${d.rule}`).toBeGreaterThanOrEqual(1);
        expect(d.column, `${key}: ${d.rule}`).toBeGreaterThanOrEqual(1);
        expect(d.rule).toMatch(/^[a-z]+\.[a-z_.-]+$/);
        expect(d.message.length).toBeGreaterThan(10);
        expect(d.file).toBe(path.basename(key));
      }
      actual[key] = verdict(result);
    }
    expect(actual).toEqual(EXPECTED);
  });
});
