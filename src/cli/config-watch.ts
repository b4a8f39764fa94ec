import path from 'node:path';
import { watch } from 'chokidar';
import { isProjectsFileName, projectsDirOf } from '../config/projects-dir.js';

/**
 * Calls `onChange` after every change of the config file or of a `*.yaml` in its projects.d
 * folder (added, changed, removed; the folder itself created or removed), one call at a time.
 * The config's folder is watched, not the paths themselves: editors often replace a file, and
 * projects.d may not exist yet. Everything else in that folder (the stateDir may be there) is
 * ignored, so it is neither traversed nor a reason to reload.
 */
export function watchConfig(file: string, onChange: () => Promise<void>): () => Promise<void> {
  const configFile = path.resolve(file);
  const configDir = path.dirname(configFile);
  const projectsDir = projectsDirOf(configFile);
  const relevant = (p: string): boolean => {
    const absolute = path.resolve(p);
    if (absolute === configDir || absolute === configFile || absolute === projectsDir) return true;
    return path.dirname(absolute) === projectsDir && isProjectsFileName(path.basename(absolute));
  };
  const watcher = watch(configDir, {
    ignoreInitial: true,
    depth: 1,
    ignored: (p: string) => !relevant(p),
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 },
  });
  let chain = Promise.resolve();
  watcher.on('all', (_event, p) => {
    // The folder's own events say nothing the file events do not.
    if (path.resolve(p) === configDir) return;
    chain = chain.then(onChange, onChange);
  });
  return () => watcher.close();
}
