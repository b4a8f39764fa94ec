import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectStatus } from './project-status.js';

/**
 * Per-project status as small JSON files under `<stateDir>/status`, written atomically
 * (temp file + rename), so `spin status --config` can read them while the daemon runs.
 */
export class StatusStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'status');
  }

  async write(status: ProjectStatus): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${status.project}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(status, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  }

  async read(project: string): Promise<ProjectStatus | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, `${project}.json`), 'utf8')) as ProjectStatus;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length));
    } catch {
      return [];
    }
  }
}
