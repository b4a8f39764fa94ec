/**
 * One Spin project reconciled by the real `spin daemon` process, its repository either a local
 * git repository read in place (chokidar-watched: a commit reconciles at once) or a bare
 * repository on the git smart-HTTP server (with a webhook secret, so a push can be announced).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../test/helpers/git-server.js';
import { startDaemonProcess, writeDaemonConfig, type DaemonProcess, type LogLine } from './daemon-process.js';
import { removeLabelled, runningWith, type RunningContainer } from './engine.js';
import { startGitServerProcess, type GitServerProcess } from './git-server.js';
import { commitToBare, createBareRepo } from './repos.js';
import { onCleanup, pollUntil, runCleanup } from './util.js';

export interface Commit {
  sha: string;
  /** Date.now() right after the commit (local) or the ref update plus webhook (http) returned. */
  at: number;
  /** performance.now() at the same moment. */
  atPerf: number;
}

export interface SpinProject {
  project: string;
  daemon: DaemonProcess;
  /** Commits `compose.yaml` with this content and returns when git returned. */
  commit(stack: string, message: string): Promise<Commit>;
  /** The daemon's persisted status for the project (what `spin status` reads). */
  status(): Promise<{ appliedCommit?: string; sync?: string; health?: string } | undefined>;
  /** Waits until the daemon's status says `sha` was applied. */
  waitApplied(sha: string, timeoutMs: number): Promise<void>;
  /** 'action done' log lines of this project for `sha`. */
  actionsFor(sha: string): LogLine[];
  stop(): Promise<void>;
}

const SECRET = 'bench-webhook-secret';

export async function startSpinProject(
  project: string,
  initialStack: string,
  opts: {
    repo: 'local' | 'http';
    dockerHost?: string;
    /** More daemon config (e.g. `engines:`, `defaultEngine:`, `policies:` for a Swarm engine). */
    config?: Record<string, unknown>;
    /** More settings of the project's entry (e.g. `policy:`). */
    project?: Record<string, unknown>;
  },
): Promise<SpinProject> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `spin-bench-${project}-`));
  let daemon: DaemonProcess | undefined;
  let server: GitServerProcess | undefined;
  const cleanup = async () => {
    await daemon?.stop();
    await server?.stop();
    await removeLabelled(`spin.project=${project}`);
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  try {
    let commit: (stack: string, message: string) => Promise<Commit>;
    let repo: string;
    if (opts.repo === 'local') {
      const dir = path.join(tmp, 'repo');
      await runGit(['init', '--quiet', '-b', 'main', dir]);
      for (const [k, v] of [
        ['user.name', 'Spin Bench'],
        ['user.email', 'bench@example.invalid'],
        ['commit.gpgsign', 'false'],
      ])
        await runGit(['config', k as string, v as string], dir);
      commit = async (stack, message) => {
        await writeFile(path.join(dir, 'compose.yaml'), stack);
        await runGit(['add', '-A'], dir);
        await runGit(['commit', '--quiet', '--no-verify', '-m', message], dir);
        const at = Date.now();
        const atPerf = performance.now();
        return { sha: (await runGit(['rev-parse', 'HEAD'], dir)).trim(), at, atPerf };
      };
      repo = dir;
    } else {
      server = await startGitServerProcess(path.join(tmp, 'git'));
      const gitdir = await createBareRepo(path.join(tmp, 'git'), project);
      const url = server.repoUrl(project);
      commit = async (stack, message) => {
        const sha = await commitToBare(gitdir, { 'compose.yaml': stack }, message);
        if (daemon) await sendWebhook(daemon.apiUrl, url, sha);
        return { sha, at: Date.now(), atPerf: performance.now() };
      };
      repo = url;
    }
    const first = await commit(initialStack, 'initial');
    const stateDir = path.join(tmp, 'state');
    const configFile = await writeDaemonConfig(path.join(tmp, 'spin.yaml'), {
      stateDir,
      // Nothing but the watcher or the webhook may trigger the measured pass.
      pollInterval: '1h',
      ...(opts.dockerHost ? { docker: { host: opts.dockerHost } } : {}),
      ...opts.config,
      projects: [
        {
          name: project,
          repo,
          ...opts.project,
          ...(opts.repo === 'http' ? { webhookSecret: SECRET, previews: { branches: false } } : {}),
        },
      ],
    });
    daemon = await startDaemonProcess(configFile);
    const running = daemon;
    const status = async () => {
      try {
        return JSON.parse(await readFile(path.join(stateDir, 'status', `${project}.json`), 'utf8')) as {
          appliedCommit?: string;
          sync?: string;
          health?: string;
        };
      } catch {
        return undefined;
      }
    };
    const waitApplied = async (sha: string, timeoutMs: number) => {
      await pollUntil(async () => ((await status())?.appliedCommit === sha ? true : undefined), {
        timeoutMs,
        intervalMs: 25,
        what: `${project} to apply ${sha.slice(0, 12)}`,
      });
    };
    await waitApplied(first.sha, 60_000);
    return {
      project,
      daemon: running,
      commit,
      status,
      waitApplied,
      actionsFor: (sha) => running.logs.filter((l) => l.msg === 'action done' && l.commit === sha),
      stop: () => runCleanup(cleanup),
    };
  } catch (err) {
    await runCleanup(cleanup);
    throw err;
  }
}

/** What a forge sends after a push: a signed GitHub push event for the deploy branch. */
async function sendWebhook(apiUrl: string, repoUrl: string, sha: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { clone_url: repoUrl } });
  const signature = createHmac('sha256', SECRET).update(body).digest('hex');
  const res = await fetch(`${apiUrl}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${signature}`,
    },
    body,
  });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

/** Polls the engine every 25 ms (one filtered list call) until `done` holds for the running set. */
export async function waitContainers(
  labels: string[],
  done: (running: RunningContainer[]) => boolean,
  timeoutMs: number,
  what: string,
): Promise<{ running: RunningContainer[]; atPerf: number }> {
  return pollUntil(
    async () => {
      const running = await runningWith(labels);
      return done(running) ? { running, atPerf: performance.now() } : undefined;
    },
    { timeoutMs, intervalMs: 25, what },
  );
}
