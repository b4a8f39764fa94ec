/**
 * The semver image-update mode with a real registry (htpasswd login), the real git smart-HTTP
 * server and the real daemon: tags 1.4.0, 1.4.3 and 2.0.0 are in the registry; a service that
 * follows `~1.4` gets one commit from Spin (author Spin, only its image line changed) that moves
 * it to 1.4.3 and deploys through the gate; 2.0.0 never becomes a commit. (Signed commits,
 * ImageUpdateUnsigned and review mode: registry-semver-signed.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, requireDocker, waitFor } from '../helpers/docker.js';
import { WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { callApi } from '../helpers/api-client.js';

const git = promisify(execFile);
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let registry: TestRegistry;
let f: ProjectFixture;
let repository: string;
let first: string;
let d143: string;

const stack = (tag: string) => `# the gateway's web front
services:
  web:
    image: "${registry.host}/${repository}:${tag}"   # followed by Spin
    deploy: { ${LIMITS} }
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 5s
      retries: 2
    stop_grace_period: 1s
    x-spin: { imageUpdates: { semver: "~1.4" } }
${HARDENING}`;

const remoteLog = async (): Promise<string[]> => {
  const { stdout } = await git('git', ['-C', f.repo.dir, 'log', '--format=%H %an <%ae>', 'origin/main']);
  return stdout.trim().split('\n');
};

beforeAll(async () => {
  await requireDocker();
  registry = await startRegistry({ login: { username: 'spin-ci', password: PASSWORD } });
  f = await projectFixture('regsem', { config: { imageUpdateSchedule: '*/2 * * * * *' } });
  repository = `lab/${f.project}`;
  const passwordFile = path.join(f.tmp, 'registry.password');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  await f.writeConfig({
    ...f.config,
    projects: [
      { ...f.config.projects[0], registries: { [registry.host]: { username: 'spin-ci', passwordFile } } },
    ],
  });
  await registry.push(WEB_IMAGE, repository, '1.4.0');
  first = await f.push({ 'compose.yaml': stack('1.4.0') }, 'web 1.4.0');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === first && s.health === 'Healthy', 'deployed at 1.4.0', 90_000);
}, 180_000);

afterAll(async () => {
  await f?.cleanup();
  await registry?.stop();
});

describe('semver image updates', () => {
  it('commits the newest tag in range to the stack repository, which deploys through the gate', async () => {
    d143 = await registry.push(WEB_IMAGE_V2, repository, '1.4.3');
    await registry.push(WEB_IMAGE, repository, '2.0.0');
    const s = await f.waitStatus(
      (s) => s.appliedCommit !== first && s.health === 'Healthy' && s.images?.web?.digest === d143,
      'moved to 1.4.3',
      120_000,
    );
    expect(s.images?.web?.ref).toBe(`${registry.host}/${repository}:1.4.3`);
    const list = await listProjectContainers(f.project);
    expect(list.every((c) => c.labels['spin.image'] === `${registry.host}/${repository}:1.4.3`)).toBe(true);

    // The commit on the branch: by Spin, on top of the researcher's, changing only the image line.
    await f.repo.pull();
    const [top, parent] = await remoteLog();
    expect(top).toBe(`${s.appliedCommit} Spin <spin@localhost>`);
    expect(parent?.startsWith(first)).toBe(true);
    const { stdout: message } = await git('git', [
      '-C',
      f.repo.dir,
      'log',
      '-1',
      '--format=%B',
      'origin/main',
    ]);
    expect(message).toContain('web');
    expect(message).toContain('1.4.0 -> 1.4.3');
    expect(message).toContain('~1.4');
    const { stdout: diff } = await git('git', ['-C', f.repo.dir, 'diff', '-U0', `${first}`, 'origin/main']);
    const changed = diff.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toEqual([
      `-    image: "${registry.host}/${repository}:1.4.0"   # followed by Spin`,
      `+    image: "${registry.host}/${repository}:1.4.3"   # followed by Spin`,
    ]);
    const history = await callApi<{ events: { kind: string; message: string }[] }>(
      f.daemon?.apiUrl ?? '',
      'GET',
      `/api/v1/projects/${f.project}/history`,
    );
    expect(history.body.events.some((e) => e.kind === 'image-commit' && e.message.includes('1.4.3'))).toBe(
      true,
    );
  });

  it('writes no commit for a tag outside the range (2.0.0)', async () => {
    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    const nothingNewer = () =>
      daemon.logs.filter(
        (l) => l.msg === 'image update check: no newer tag in range' && l.project === f.project,
      ).length;
    const seen = nothingNewer();
    // Two more checks found nothing to do with 2.0.0 in the registry...
    await waitFor(async () => nothingNewer(), {
      until: (n) => n >= seen + 2,
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'two more image update checks',
    });
    // ...and the branch still ends at Spin's one commit.
    await f.repo.pull();
    const log = await remoteLog();
    expect(log).toHaveLength(2);
    expect(daemon.logs.filter((l) => l.msg === 'image update committed')).toHaveLength(1);
  });
});
