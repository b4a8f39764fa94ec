import { writeFile } from 'node:fs/promises';
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
import { spinJson, startDaemon, writeConfig, type RunningDaemon, type TestConfig } from './spin-cli.js';
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
  /** The config as last written; change it with `writeConfig`. */
  config: TestConfig;
  daemon?: RunningDaemon;
  startDaemon(): Promise<RunningDaemon>;
  status(): Promise<ProjectStatus | undefined>;
  waitStatus(
    until: (s: ProjectStatus) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<ProjectStatus>;
  /** The same for another project of this config (see `addRepo`). */
  statusOf(project: string): Promise<ProjectStatus | undefined>;
  waitStatusOf(
    project: string,
    until: (s: ProjectStatus) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<ProjectStatus>;
  push(files: Record<string, string>, message: string): Promise<string>;
  /**
   * Another repository on the same git server with its own working copy, for a second project;
   * it is not in the config until a test adds it (`writeConfig`). Cleaned up with the fixture.
   */
  addRepo(prefix: string): Promise<ExtraRepo>;
  /** Rewrites the config file (a running daemon reloads it). */
  writeConfig(config: TestConfig): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ExtraRepo {
  project: string;
  repo: WorkingCopy;
  repoUrl: string;
  push(files: Record<string, string>, message: string): Promise<string>;
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
  const config: TestConfig = {
    stateDir: path.join(tmp, 'state'),
    pollInterval: options.pollInterval ?? '1s',
    projects: [{ name: project, repo: server.repoUrl(project), ...options.project }],
    ...options.config,
  };
  const configFile = await writeConfig(path.join(tmp, 'spin.yaml'), config);
  const extra: string[] = [];
  const fixture: ProjectFixture = {
    project,
    tmp,
    server,
    repo,
    configFile,
    config,
    async startDaemon() {
      fixture.daemon = await startDaemon(configFile);
      return fixture.daemon;
    },
    status: () => fixture.statusOf(project),
    waitStatus: (until, description, timeoutMs) =>
      fixture.waitStatusOf(project, until, description, timeoutMs),
    async statusOf(name) {
      return (await spinJson<ProjectStatus[]>(['status', '--config', configFile])).find(
        (s) => s.project === name,
      );
    },
    async waitStatusOf(name, until, description, timeoutMs = 30_000) {
      return (await waitFor(() => fixture.statusOf(name), {
        until: (s) => s !== undefined && until(s),
        timeoutMs,
        intervalMs: 300,
        description,
      })) as ProjectStatus;
    },
    async addRepo(extraPrefix) {
      const name = uniqueProject(extraPrefix);
      extra.push(name);
      await createRepo(path.join(tmp, 'git'), name);
      const copy = await cloneWorkingCopy(server.repoUrl(name), path.join(tmp, `work-${name}`));
      return {
        project: name,
        repo: copy,
        repoUrl: server.repoUrl(name),
        push: (files, message) => copy.commitAndPush(files, message),
      };
    },
    async writeConfig(next) {
      fixture.config = next;
      await writeConfig(configFile, next);
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
      for (const name of extra) await removeProject(name);
      await fixture.server.stop().catch(() => {});
      await removeTempDir(tmp);
    },
  };
  return fixture;
}

/**
 * A small policy-passing stack of busybox sleepers, one per name: `sleeperStack(['app', 'extra'])`.
 * `extra` adds lines under every service (indented four spaces), e.g. `    privileged: true\n`.
 */
export function sleeperStack(names: string[], extra = ''): string {
  const services = names.map(
    (name) => `  ${name}:
    image: spin-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${HARDENING}${extra}`,
  );
  return `services:\n${services.join('')}`;
}

/**
 * The smallest stack that passes the default policy: one busybox service that sleeps and exits at
 * once on SIGTERM. `mark` lands in its environment, so a new mark recreates the container;
 * `comment` changes only a YAML comment (a new commit with nothing to do); `privileged` makes the
 * commit fail the default policy.
 */
export function markedStack(
  mark: string,
  options: { service?: string; comment?: string; privileged?: boolean; readyAfter?: number } = {},
): string {
  // readyAfter: a healthcheck that passes only after that many seconds, so a deploy (which waits
  // for readiness) takes at least that long. Every 1s: the default policy's minimum interval.
  const ready = options.readyAfter;
  const command =
    ready === undefined
      ? `trap 'exit 0' TERM; sleep 3600 & wait`
      : `trap 'exit 0' TERM; (sleep ${ready}; touch /tmp/ready) & sleep 3600 & wait`;
  const healthcheck =
    ready === undefined
      ? ''
      : `    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 5s, retries: 20 }\n`;
  return `# ${options.comment ?? 'sleeper'}
services:
  ${options.service ?? 'app'}:
    image: spin-test/busybox:1
    command: ["sh", "-c", "${command}"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${healthcheck}${HARDENING}${options.privileged ? '    privileged: true\n' : ''}`;
}

/**
 * The `api` section that lets `token` operate the fixture's project (spin promote, sync, ...):
 * the token is written to a file of the fixture's, as an operator's token file would be.
 */
export async function operateTokenApi(
  f: Pick<ProjectFixture, 'tmp' | 'project'>,
  token: string,
): Promise<{ tokens: { file: string; projects: string[]; role: 'operate' }[] }> {
  const file = path.join(f.tmp, 'operate.token');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { tokens: [{ file, projects: [f.project], role: 'operate' }] };
}

/** One entry of a `refs/notes/spin` note (docs/statuses.md). */
export interface StatusNoteEntry {
  state: string;
  description: string;
  targetUrl?: string;
  updatedAt: string;
}

let noteReaders = 0;

/**
 * What a reviewer sees for `sha`: a fresh clone of the project's repository that fetches
 * `refs/notes/spin`, then `git notes --ref=spin show <sha>` parsed as JSON (throws when no note).
 */
export async function readStatusNote(
  fixture: Pick<ProjectFixture, 'server' | 'project' | 'tmp'>,
  sha: string,
): Promise<Record<string, StatusNoteEntry>> {
  const wc = await cloneWorkingCopy(
    fixture.server.repoUrl(fixture.project),
    path.join(fixture.tmp, `note-reader-${++noteReaders}`),
  );
  await wc.git(['fetch', '--quiet', 'origin', 'refs/notes/spin:refs/notes/spin']);
  return JSON.parse(await wc.git(['notes', '--ref=spin', 'show', sha])) as Record<string, StatusNoteEntry>;
}

/** Polls readStatusNote until the entry for `context` satisfies `until`; resolves to that entry. */
export async function waitStatusNote(
  fixture: Pick<ProjectFixture, 'server' | 'project' | 'tmp'>,
  sha: string,
  context: string,
  until: (entry: StatusNoteEntry) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<StatusNoteEntry> {
  const note = await waitFor(() => readStatusNote(fixture, sha), {
    until: (n) => n[context] !== undefined && until(n[context]),
    timeoutMs,
    intervalMs: 500,
    description: `${context} note on ${sha.slice(0, 12)}`,
  });
  return note[context] as StatusNoteEntry;
}
