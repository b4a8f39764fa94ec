/**
 * A private registry (htpasswd) and the real daemon: the operators' login deploys; a wrong one,
 * a missing tag and an unreachable registry each give their own reason and leave what runs
 * alone; the password shows up nowhere Spin writes (logs, status, history, the engine's objects).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers, requireDocker } from '../helpers/docker.js';
import { WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { callApi } from '../helpers/api-client.js';
import { runSpin } from '../helpers/spin-cli.js';

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let registry: TestRegistry;
let f: ProjectFixture;
let repository: string;
let passwordFile: string;
let first: string;
let second: string;
let runningIds: string[];

const stack = (image: string) => `
services:
  web:
    image: ${image}
    deploy: { ${LIMITS} }
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 5s
      retries: 2
    stop_grace_period: 1s
${HARDENING}`;

const web = () => listProjectContainers(f.project);

/** What runs is what ran: the same containers, running, on the first digest. */
async function expectUntouched(): Promise<void> {
  const list = await web();
  expect(list.map((c) => c.id).sort()).toEqual(runningIds);
  expect(list.every((c) => c.state === 'running' && c.labels['spin.image-digest'] === first)).toBe(true);
}

beforeAll(async () => {
  await requireDocker();
  registry = await startRegistry({ login: { username: 'spin-ci', password: PASSWORD } });
  f = await projectFixture('regauth');
  repository = `lab/${f.project}`;
  passwordFile = path.join(f.tmp, 'registry.password');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  await f.writeConfig({
    ...f.config,
    projects: [
      {
        ...f.config.projects[0],
        registries: { [registry.host]: { username: 'spin-ci', passwordFile } },
      },
    ],
  });
  first = await registry.push(WEB_IMAGE, repository, '1');
  second = await registry.push(WEB_IMAGE_V2, repository, '2');
  await f.push({ 'compose.yaml': stack(`${registry.host}/${repository}:1`) }, 'first');
  await f.startDaemon();
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
  await registry?.stop();
});

describe('a private registry', () => {
  it('deploys with the operators’ login for that registry host', async () => {
    const s = await f.waitStatus((s) => s.health === 'Healthy' && s.sync === 'Synced', 'deployed', 90_000);
    expect(s.images?.web?.digest).toBe(first);
    runningIds = (await web()).map((c) => c.id).sort();
    expect(runningIds).toHaveLength(1);
  });

  it('says ImageUnauthorized for a wrong password and keeps what runs', async () => {
    await writeFile(passwordFile, 'not-the-password\n');
    const sha = await f.push({ 'compose.yaml': stack(`${registry.host}/${repository}:2`) }, 'tag 2');
    const s = await f.waitStatus(
      (s) => s.desiredCommit === sha && s.lastError?.reason === 'ImageUnauthorized',
      'unauthorised',
      90_000,
    );
    expect(s.lastError?.message).toMatch(/could not be resolved: .*unauthorized/i);
    expect(s.lastError?.message).toContain('registries');
    await expectUntouched();
  });

  it('says ImageNotFound for a tag that was never pushed', async () => {
    // The right password only once the daemon has moved on from tag 2, which it would deploy.
    const sha = await f.push({ 'compose.yaml': stack(`${registry.host}/${repository}:9`) }, 'tag 9');
    await f.waitStatus((s) => s.desiredCommit === sha, 'tag 9 seen', 90_000);
    await writeFile(passwordFile, `${PASSWORD}\n`);
    const s = await f.waitStatus(
      (s) => s.desiredCommit === sha && s.lastError?.reason === 'ImageNotFound',
      'not found',
      90_000,
    );
    expect(s.lastError?.message).toContain(`${repository}:9`);
    await expectUntouched();
  });

  it('says RegistryUnreachable for a registry that does not answer', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    const sha = await f.push({ 'compose.yaml': stack(`${nowhere}/lab/none:1`) }, 'nowhere');
    const s = await f.waitStatus(
      (s) => s.desiredCommit === sha && s.lastError?.reason === 'RegistryUnreachable',
      'unreachable',
      90_000,
    );
    expect(s.lastError?.message).toContain(nowhere);
    await expectUntouched();
  });

  it('takes the password from the project’s secret store (passwordSecret), read at each use', async () => {
    // The file now holds a wrong password: only the store's value can deploy tag 2.
    await writeFile(passwordFile, 'not-the-password\n');
    const set = await runSpin(['secret', 'set', f.project, 'registry-password', '--config', f.configFile], {
      input: PASSWORD,
    });
    expect(set.code, set.stderr).toBe(0);
    await f.writeConfig({
      ...f.config,
      projects: [
        {
          ...f.config.projects[0],
          registries: { [registry.host]: { username: 'spin-ci', passwordSecret: 'registry-password' } },
        },
      ],
    });
    const sha = await f.push(
      { 'compose.yaml': stack(`${registry.host}/${repository}:2`) },
      'tag 2, store login',
    );
    const s = await f.waitStatus(
      (s) => s.appliedCommit === sha && s.health === 'Healthy' && s.images?.web?.digest === second,
      'deployed with the store’s password',
      120_000,
    );
    expect(s.lastError).toBeUndefined();
    const list = await web();
    expect(list.every((c) => c.labels['spin.image-digest'] === second)).toBe(true);
  });

  it('never writes the password: logs, status, history, labels and inspect of its objects', async () => {
    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    expect(daemon.output()).not.toContain(PASSWORD);
    const status = await runSpin(['status', '--config', f.configFile, '--json']);
    expect(status.stdout).toContain(f.project);
    expect(status.stdout).not.toContain(PASSWORD);
    const history = await callApi(daemon.apiUrl, 'GET', `/api/v1/projects/${f.project}/history`);
    expect(history.status).toBe(200);
    expect(history.text).not.toContain(PASSWORD);
    for (const c of await web()) {
      expect(JSON.stringify(await docker().getContainer(c.id).inspect())).not.toContain(PASSWORD);
    }
    const networks = await docker().listNetworks({ filters: { label: [`spin.project=${f.project}`] } });
    expect(networks.length).toBeGreaterThan(0);
    expect(JSON.stringify(networks)).not.toContain(PASSWORD);
  });
});
