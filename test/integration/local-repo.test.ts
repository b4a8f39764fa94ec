import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit, writeFiles, commitAll } from '../helpers/git-server.js';
import { listProjectContainers, removeProject, uniqueProject, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { startDaemon, writeConfig, type RunningDaemon } from '../helpers/spin-cli.js';

/** `repo:` as a path on disk is read in place and watched: a commit deploys without waiting for a poll. */
const project = uniqueProject('local');
let tmp: string;
let repoDir: string;
let daemon: RunningDaemon;

const stack = (replicas: number) => `
services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    deploy: { replicas: ${replicas}, resources: { limits: { memory: 16m, cpus: "0.1" } } }
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
`;

beforeAll(async () => {
  tmp = await makeTempDir('local-repo');
  repoDir = path.join(tmp, 'project');
  await runGit(['init', '-q', '-b', 'main', repoDir]);
  await runGit(['config', 'user.email', 'r@example.org'], repoDir);
  await runGit(['config', 'user.name', 'Researcher'], repoDir);
  await writeFiles(repoDir, { 'deploy/compose.yaml': stack(1) });
  await commitAll(repoDir, 'first');
  const config = await writeConfig(path.join(tmp, 'spin.yaml'), {
    stateDir: path.join(tmp, 'state'),
    pollInterval: '1h',
    projects: [{ name: project, repo: `file://${repoDir}`, path: './deploy' }],
  });
  daemon = await startDaemon(config);
});

afterAll(async () => {
  await daemon?.stop();
  await removeProject(project);
  await removeTempDir(tmp);
});

describe('a local repository', () => {
  it('deploys from a subfolder of a repository on disk', async () => {
    const containers = await waitFor(() => listProjectContainers(project), {
      // A new replica starts as `<name>-next` and takes its name once ready: wait for that.
      until: (list) => list.length === 1 && list[0]?.state === 'running' && !list[0].name.endsWith('-next'),
      timeoutMs: 20_000,
    });
    expect(containers[0]?.name).toBe(`${project}_app_1`);
  });

  it('reconciles a new commit at once, long before the hour-long poll interval', async () => {
    await writeFiles(repoDir, { 'deploy/compose.yaml': stack(3) });
    const sha = await commitAll(repoDir, 'scale up');
    const containers = await waitFor(() => listProjectContainers(project), {
      until: (list) => list.length === 3 && list.every((c) => c.state === 'running'),
      timeoutMs: 15_000,
    });
    expect(containers.map((c) => c.labels['spin.commit'])).toEqual([expect.any(String), sha, sha]);
    expect(daemon.logs.some((l) => l.msg === 'repository changed')).toBe(true);
  });
});
