import path from 'node:path';
import {
  cloneWorkingCopy,
  createRepo,
  startGitServer,
  type GitServer,
  type WorkingCopy,
} from './git-server.js';
import { removeProject, uniqueProject, waitFor } from './docker.js';
import { makeTempDir, removeTempDir } from './tmp.js';
import { spinJson, startDaemon, writeConfig, type RunningDaemon } from './spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

/** What every service in a test stack needs to pass the default policy. */
export const HARDENING = `    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
`;
export const LIMITS = `resources: { limits: { memory: 32m, cpus: "0.2" } }`;

/**
 * One project on a real git smart-HTTP server, reconciled by the real `spin daemon`: the set-up
 * most end-to-end tests share. `push` commits and pushes files; `waitStatus` polls `spin status`.
 */
export interface ProjectFixture {
  project: string;
  tmp: string;
  server: GitServer;
  repo: WorkingCopy;
  configFile: string;
  daemon?: RunningDaemon;
  startDaemon(): Promise<RunningDaemon>;
  status(): Promise<ProjectStatus | undefined>;
  waitStatus(
    until: (s: ProjectStatus) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<ProjectStatus>;
  push(files: Record<string, string>, message: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function projectFixture(
  prefix: string,
  options: {
    pollInterval?: string;
    project?: Record<string, unknown>;
    config?: Record<string, unknown>;
  } = {},
): Promise<ProjectFixture> {
  const project = uniqueProject(prefix);
  const tmp = await makeTempDir(prefix);
  const server = await startGitServer(path.join(tmp, 'git'));
  await createRepo(path.join(tmp, 'git'), project);
  const repo = await cloneWorkingCopy(server.repoUrl(project), path.join(tmp, 'work'));
  const configFile = await writeConfig(path.join(tmp, 'spin.yaml'), {
    stateDir: path.join(tmp, 'state'),
    pollInterval: options.pollInterval ?? '1s',
    projects: [{ name: project, repo: server.repoUrl(project), ...options.project }],
    ...options.config,
  });
  const fixture: ProjectFixture = {
    project,
    tmp,
    server,
    repo,
    configFile,
    async startDaemon() {
      fixture.daemon = await startDaemon(configFile);
      return fixture.daemon;
    },
    async status() {
      return (await spinJson<ProjectStatus[]>(['status', '--config', configFile])).find(
        (s) => s.project === project,
      );
    },
    async waitStatus(until, description, timeoutMs = 30_000) {
      return (await waitFor(fixture.status, {
        until: (s) => s !== undefined && until(s),
        timeoutMs,
        intervalMs: 300,
        description,
      })) as ProjectStatus;
    },
    async push(files, message) {
      await repo.writeFiles(files);
      const sha = await repo.commitAll(message);
      await repo.push();
      return sha;
    },
    async cleanup() {
      await fixture.daemon?.stop().catch(() => {});
      await removeProject(project);
      await fixture.server.stop().catch(() => {});
      await removeTempDir(tmp);
    },
  };
  return fixture;
}
