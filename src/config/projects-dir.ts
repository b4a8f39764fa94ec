import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../stack/diagnostics.js';
import { errorMessage } from '../util/errors.js';

/**
 * `projects.d/` beside the main config file: more projects, one or more per `*.yaml` file, so a
 * centre with many gateways can keep one file per group (or per project) and add or drop one
 * without editing a shared file. This module finds and reads the files; parseConfig validates
 * and merges them (pure).
 */
export const PROJECTS_DIR_NAME = 'projects.d';

/** One projects.d file as read: `file` as diagnostics name it (beside the main file's path). */
export interface ProjectsFileText {
  file: string;
  text: string;
}

export function projectsDirOf(configFile: string): string {
  return path.join(path.dirname(configFile), PROJECTS_DIR_NAME);
}

/**
 * `*.yaml`, not hidden: editors' swap and lock files (`.x.yaml.swp`, `.#x.yaml`) and anything
 * else lying in the folder (a README, `x.yaml.orig`) are not configuration.
 */
export function isProjectsFileName(name: string): boolean {
  return name.endsWith('.yaml') && !name.startsWith('.');
}

/**
 * The projects.d files of a config, in name order (code-point order, the same on every
 * machine and locale), which is the order their projects are merged in. No folder: no files.
 */
export async function readProjectsDir(
  configFile: string,
): Promise<{ files: ProjectsFileText[]; diagnostics: Diagnostic[] }> {
  const dir = projectsDirOf(configFile);
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => !e.isDirectory() && isProjectsFileName(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], diagnostics: [] };
    return { files: [], diagnostics: [readProblem(dir, err)] };
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: ProjectsFileText[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      files.push({ file, text: await readFile(file, 'utf8') });
    } catch (err) {
      // Gone between the listing and the read (an editor's replace): the watcher reloads again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') diagnostics.push(readProblem(file, err));
    }
  }
  return { files, diagnostics };
}

function readProblem(file: string, err: unknown): Diagnostic {
  const message = `cannot read ${file}: ${errorMessage(err)}`;
  return { file, line: 0, column: 0, rule: 'config.read', message, path: '' };
}
