import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `<stateDir>/daemon.pid`: the process id of the daemon that owns this stateDir, so tools that
 * must not run beside it (`spin restore`) can tell. Written at start, removed at a clean stop; a
 * file left by a crash names a process that no longer exists and is taken as stale.
 */
export function pidFilePath(stateDir: string): string {
  return path.join(stateDir, 'daemon.pid');
}

export async function writePidFile(stateDir: string, pid = process.pid): Promise<void> {
  await writeFile(pidFilePath(stateDir), `${pid}\n`, { mode: 0o644 });
}

/** Removes the file only if it still names `pid` (a second daemon may have replaced it). */
export async function removePidFile(stateDir: string, pid = process.pid): Promise<void> {
  if ((await readPid(stateDir)) === pid) await rm(pidFilePath(stateDir), { force: true });
}

/** The pid of a live daemon on this stateDir, or undefined (no file, or a stale one). */
export async function runningDaemonPid(stateDir: string): Promise<number | undefined> {
  const pid = await readPid(stateDir);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

async function readPid(stateDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFilePath(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 checks existence and permission without delivering anything.
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user; still a live daemon.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
