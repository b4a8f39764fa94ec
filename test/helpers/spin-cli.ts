import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { stretch } from './docker.js';

/** The real CLI, as users run it: `bin/spin` over the built dist/ (npm test builds first). */
export const SPIN_BIN = path.resolve(import.meta.dirname, '../../bin/spin');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runSpin(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SPIN_BIN, ...args], {
      cwd: options.cwd,
      env: { ...cliEnv(), ...options.env },
    });
    let stdout = '';
    let stderr = '';
    // A command that should exit but hangs (a daemon that should have refused to start) is
    // killed, and reported as exit code -1 with a note on stderr.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[test] killed after ${options.timeoutMs} ms\n`;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `spin promote PROJECT --from dev --to prod [COMMIT] --json` against a daemon's API with a token. */
export function promoteDevToProd(
  project: string,
  server: { apiUrl: string; token: string },
  ...args: string[]
): Promise<CliResult> {
  return runSpin([
    'promote',
    project,
    '--from',
    'dev',
    '--to',
    'prod',
    ...args,
    '--server',
    server.apiUrl,
    '--token',
    server.token,
    '--json',
  ]);
}

export async function spinJson<T>(args: string[]): Promise<T> {
  const result = await runSpin([...args, '--json']);
  if (result.code !== 0) throw new Error(`spin ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A daemon config as tests write it; fields follow shared/product.md. */
export interface TestConfig {
  stateDir: string;
  pollInterval?: string;
  /** Merged over the default `{listen: '127.0.0.1:0'}` (tokens, token files, publicUrl). */
  api?: { listen?: string; [key: string]: unknown };
  projects: Record<string, unknown>[];
  policies?: Record<string, unknown>;
  history?: { maxPassesPerProject?: number; maxEventsPerProject?: number };
  [key: string]: unknown;
}

export async function writeConfig(file: string, config: TestConfig): Promise<string> {
  await writeFile(file, stringify({ ...config, api: { listen: '127.0.0.1:0', ...config.api } }));
  return file;
}

export interface RunningDaemon {
  child: ChildProcess;
  /** Parsed pino lines so far. */
  logs: Record<string, unknown>[];
  /** Everything written to stdout and stderr so far, raw (to search for leaked secrets). */
  output(): string;
  /** Resolves with the first log line (already logged or still to come) that matches. */
  waitForLog(
    match: (entry: Record<string, unknown>) => boolean,
    description: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  apiUrl: string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
  /** SIGKILL, no clean-up: a crash. */
  kill(): Promise<void>;
}

/** Starts `spin daemon` and resolves once its API listens (it logs the URL). */
export async function startDaemon(
  configFile: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningDaemon> {
  const child = spawn(
    process.execPath,
    [SPIN_BIN, 'daemon', '--config', configFile, '--log-level', 'debug', ...(options.args ?? [])],
    {
      env: { ...cliEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let stdout = '';
  let buffer = '';
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  const apiUrl = await new Promise<string>((resolve, reject) => {
    // Start-up is a few hundred ms on a quiet machine; CI beside dockerd on 2 cores (load
    // averages of 20-35 seen) took more than 20 s, so the deadline is stretched like every wait.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start: ${stderr}`));
    }, stretch(40_000));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      buffer += d.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'api listening') {
            clearTimeout(timer);
            resolve(String(entry.url));
          }
        } catch {
          // not a log line
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before listening: ${stderr}`));
    });
  });
  return {
    child,
    logs,
    output: () => stdout + stderr,
    async waitForLog(match, description, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for the daemon to log ${description}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    apiUrl,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The CLI must not inherit a DOCKER_HOST or log level from the developer's shell by accident. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SPIN_LOG_LEVEL;
  return env;
}
