import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  statfs,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { FileKind } from '../stack/secrets.js';
import { SECRETS_DIR } from '../stack/secrets.js';

/**
 * Secret and config files on the host, for the engine to bind into containers:
 * `<runtimeDir>/<project>/<service>/{secrets,configs}/<name>`, where `<name>` is the target
 * (below /run/secrets for secrets, below / for configs) with '/' escaped. Folders are 0700 root;
 * each file has the owner and mode of the mount. Files are replaced atomically (a new inode), so
 * a running container keeps the content it started with until it is recreated.
 */

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

export interface RuntimeFile {
  service: string;
  kind: FileKind;
  /** Absolute path in the container. */
  target: string;
  content: Uint8Array;
  uid: number;
  gid: number;
  mode: number;
}

export function projectRuntimeDir(runtimeDir: string, project: string): string {
  return path.join(runtimeDir, component(project));
}

/** The host path of one file. */
export function runtimeFilePath(
  runtimeDir: string,
  project: string,
  file: Omit<RuntimeFile, 'content' | 'uid' | 'gid' | 'mode'>,
): string {
  return path.join(
    projectRuntimeDir(runtimeDir, project),
    component(file.service),
    file.kind,
    fileName(file.kind, file.target),
  );
}

function fileName(kind: FileKind, target: string): string {
  const base = kind === 'secrets' ? `${SECRETS_DIR}/` : '/';
  const relative = target.startsWith(base) ? target.slice(base.length) : target;
  const name = encodeURIComponent(relative);
  return name.length > 200 ? `h-${createHash('sha256').update(target).digest('hex')}` : component(name);
}

/** A path component that is never '.', '..' or empty. */
function component(name: string): string {
  if (name === '' || name === '.' || name === '..') return name.replace(/\./g, '%2E') || '%00';
  return name.replace(/\//g, '%2F');
}

/** True when `dir` is on a tmpfs or ramfs (memory), where secrets belong. */
export async function isMemoryFilesystem(dir: string): Promise<boolean | undefined> {
  try {
    const info = await statfs(dir);
    return info.type === TMPFS_MAGIC || info.type === RAMFS_MAGIC;
  } catch {
    return undefined;
  }
}

export interface SyncResult {
  written: number;
  removed: number;
}

/**
 * Makes `<runtimeDir>/<project>` hold exactly `files`: writes those whose content, owner or mode
 * differ (a pass that changes nothing writes nothing; a reboot that emptied the tmpfs is
 * repaired), and removes files and service folders that are no longer wanted.
 */
export async function syncRuntimeFiles(
  runtimeDir: string,
  project: string,
  files: readonly RuntimeFile[],
): Promise<SyncResult> {
  const root = projectRuntimeDir(runtimeDir, project);
  await mkdir(runtimeDir, { recursive: true, mode: 0o755 });
  await privateDir(root);
  const wanted = new Map<string, RuntimeFile>();
  for (const file of files) wanted.set(runtimeFilePath(runtimeDir, project, file), file);

  let written = 0;
  for (const [target, file] of wanted) {
    await privateDir(path.dirname(path.dirname(target)));
    await privateDir(path.dirname(target));
    if (await isCurrent(target, file)) continue;
    const temp = path.join(path.dirname(target), `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(temp, file.content, { mode: 0o600, flag: 'wx' });
      await chown(temp, file.uid, file.gid);
      await chmod(temp, file.mode);
      const existing = await lstat(target).catch(() => undefined);
      if (existing?.isDirectory()) await rm(target, { recursive: true, force: true });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'EPERM'
          ? `cannot give ${target} to ${file.uid}:${file.gid}: the daemon must run as root to deliver secrets and configs`
          : `cannot write ${target}: ${code ?? String(err)}`,
        { cause: err },
      );
    }
    written++;
  }
  return { written, removed: await removeUnwanted(root, new Set(wanted.keys())) };
}

/** Removes everything Spin delivered for the project (it no longer uses secrets or configs). */
export async function clearRuntimeFiles(runtimeDir: string, project: string): Promise<boolean> {
  const root = projectRuntimeDir(runtimeDir, project);
  const existed = (await lstat(root).catch(() => undefined)) !== undefined;
  if (existed) await rm(root, { recursive: true, force: true });
  return existed;
}

async function isCurrent(target: string, file: RuntimeFile): Promise<boolean> {
  const info = await lstat(target).catch(() => undefined);
  if (!info?.isFile()) return false;
  if (info.uid !== file.uid || info.gid !== file.gid || (info.mode & 0o7777) !== file.mode) return false;
  if (info.size !== file.content.length) return false;
  return Buffer.from(file.content).equals(await readFile(target));
}

async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

async function removeUnwanted(root: string, wanted: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  const walk = async (dir: string, depth: number): Promise<boolean> => {
    // depth 0: services; 1: kinds; 2: files. Returns whether the folder is still needed.
    let keep = false;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (depth < 2 && entry.isDirectory()) {
        if (await walk(full, depth + 1)) keep = true;
        else {
          await rm(full, { recursive: true, force: true });
        }
      } else if (wanted.has(full)) {
        keep = true;
      } else {
        await rm(full, { recursive: true, force: true });
        removed++;
      }
    }
    return keep;
  };
  await walk(root, 0);
  return removed;
}
