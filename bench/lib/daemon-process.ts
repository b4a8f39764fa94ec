/** The real `spin daemon` as a child process (bin/spin over dist/, or another build's bin). */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { DAEMON_NODE_FLAGS } from '../../src/cli/daemon-node-flags.js';
import { sleep } from './util.js';

/** Which `spin` the process benchmarks run; `--spin-bin` (e.g. a build of an older commit) overrides. */
let spinBin = path.resolve(import.meta.dirname, '../../bin/spin');

export function setSpinBin(bin: string): void {
  spinBin = path.resolve(bin);
}

export function getSpinBin(): string {
  return spinBin;
}

export interface LogLine {
  /** pino's epoch-ms time. */
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  apiUrl: string;
  logs: LogLine[];
  /** The first log line (seen or still to come) matching, or undefined at the deadline. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine | undefined>;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code. */
  stop(): Promise<number>;
}

export async function writeDaemonConfig(file: string, config: Record<string, unknown>): Promise<string> {
  await writeFile(file, stringify({ api: { listen: '127.0.0.1:0' }, ...config }));
  return file;
}

/** Starts the daemon and resolves once its API listens. `logLevel` info keeps logging realistic. */
export async function startDaemonProcess(
  configFile: string,
  logLevel = 'info',
  nodeArgs: string[] = [],
): Promise<DaemonProcess> {
  const env = { ...process.env };
  delete env.SPIN_LOG_LEVEL;
  const child = spawn(
    process.execPath,
    // Started the way contrib/spin.service and the image start it.
    [...DAEMON_NODE_FLAGS, ...nodeArgs, spinBin, 'daemon', '--config', configFile, '--log-level', logLevel],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  const logs: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  const waitForLog = async (match: (line: LogLine) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < logs.length; seen++) if (match(logs[seen] as LogLine)) return logs[seen];
      if (Date.now() > deadline || child.exitCode !== null) return undefined;
      await sleep(20);
    }
  };
  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const listening = await waitForLog((l) => l.msg === 'api listening', 30_000);
  if (!listening) {
    await stop();
    throw new Error(`spin daemon did not start: ${stderr.trim()}`);
  }
  return { child, pid: child.pid as number, apiUrl: String(listening.url), logs, waitForLog, stop };
}
