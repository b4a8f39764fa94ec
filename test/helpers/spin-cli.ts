import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

/** The real CLI, as users run it: `bin/spin` over the built dist/ (npm test builds first). */
export const SPIN_BIN = path.resolve(import.meta.dirname, '../../bin/spin');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runSpin(args: string[], options: { cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SPIN_BIN, ...args], { cwd: options.cwd, env: cliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
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
  api?: { listen: string };
  projects: Record<string, unknown>[];
  policies?: Record<string, unknown>;
}

export async function writeConfig(file: string, config: TestConfig): Promise<string> {
  await writeFile(file, stringify({ api: { listen: '127.0.0.1:0' }, ...config }));
  return file;
}

export interface RunningDaemon {
  child: ChildProcess;
  /** Parsed pino lines so far. */
  logs: Record<string, unknown>[];
  apiUrl: string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
  /** SIGKILL, no clean-up: a crash. */
  kill(): Promise<void>;
}

/** Starts `spin daemon` and resolves once its API listens (it logs the URL). */
export async function startDaemon(configFile: string): Promise<RunningDaemon> {
  const child = spawn(
    process.execPath,
    [SPIN_BIN, 'daemon', '--config', configFile, '--log-level', 'debug'],
    {
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffer = '';
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  const apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start: ${stderr}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
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
