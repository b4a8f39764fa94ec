import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileReader } from '../stack/source.js';
import type { StackModel } from '../stack/model.js';

/**
 * Relative bind sources name files in the repository at the deployed commit. A bare cache has no
 * work tree, so those files are written under `<stateDir>/checkouts/<project>/<commit>/` and the
 * container binds that copy (read-only by policy). Absolute sources are host paths, passed as is.
 */
export async function materialiseBindSources(
  model: StackModel,
  reader: FileReader,
  options: { stateDir: string; commit: string; stackDir: string },
): Promise<(source: string) => string> {
  const root = path.join(options.stateDir, 'checkouts', model.project, options.commit);
  const resolve = (source: string) =>
    path.isAbsolute(source) ? source : path.join(root, path.posix.join(options.stackDir, source));
  for (const service of Object.values(model.services)) {
    for (const mount of service.mounts) {
      if (mount.type !== 'bind' || path.isAbsolute(mount.source)) continue;
      const repoPath = path.posix.normalize(path.posix.join(options.stackDir, mount.source));
      const content = await reader.readFile(repoPath);
      if (!content) {
        throw new Error(
          `bind source ${mount.source} of service ${service.name} is not a file in the repository`,
        );
      }
      const target = resolve(mount.source);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content, { mode: 0o644 });
    }
  }
  return resolve;
}

/**
 * Removes the checkout folders (`<stateDir>/checkouts/<project>/<commit>/`) of commits that
 * nothing needs any more: each commit's copy is otherwise kept for ever. `keep` holds the commits
 * of the project's live containers (their binds point into those folders), the commit being
 * applied and the last healthy one (a rollback target). Returns the commits removed.
 */
export async function collectCheckouts(
  stateDir: string,
  project: string,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const dir = path.join(stateDir, 'checkouts', project);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const stale = entries.filter((commit) => /^[0-9a-f]{40,64}$/.test(commit) && !keep.has(commit));
  for (const commit of stale) await rm(path.join(dir, commit), { recursive: true, force: true });
  return stale;
}
