/** Starts bench/lib/git-server-main.ts as a child process and talks to it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { procCpuMs } from './util.js';

export interface GitServerCounts {
  advertise: number;
  fetch: number;
  push: number;
  other: number;
}

export interface GitServerProcess {
  url: string;
  pid: number;
  repoUrl(name: string): string;
  counts(): Promise<GitServerCounts>;
  /** CPU of the server and the git http-backend children it reaped, ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

const MAIN = path.resolve(import.meta.dirname, 'git-server-main.ts');
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export async function startGitServerProcess(root: string): Promise<GitServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, root], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`git server did not start: ${stderr}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        try {
          resolve((JSON.parse(line) as { url: string }).url);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`git server exited ${code}: ${stderr}`));
    });
  });
  const pid = child.pid as number;
  return {
    url,
    pid,
    repoUrl: (name) => `${url}/${name}.git`,
    counts: async () => (await (await fetch(`${url}/__bench/stats`)).json()) as GitServerCounts,
    cpuMs: () => procCpuMs(pid, true),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
