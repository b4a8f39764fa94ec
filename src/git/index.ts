import path from 'node:path';
import type { GitLimits, ProjectConfig } from '../config/types.js';
import { HttpGitSource } from './http-source.js';
import { LocalGitSource } from './local-source.js';
import type { GitSource } from './source.js';

export type { AdvertisementMemo, BranchMoveFacts, BranchProposal, GitSource } from './source.js';
export { SourceError } from './errors.js';
export type { CommitChange } from './commit-writer.js';
export { PackRefusedError } from './pack-guard.js';
export { redactUrl } from './http-source.js';

export function createGitSource(
  project: ProjectConfig,
  stateDir: string,
  limits: GitLimits,
  onRequest?: (kind: 'advertise' | 'fetch') => void,
): GitSource {
  if (project.repo.kind === 'local') return new LocalGitSource(project.repo.path, project.branch);
  return new HttpGitSource({
    url: project.repo.url,
    branch: project.branch,
    cacheDir: path.join(stateDir, 'repos', `${project.name}.git`),
    onRequest,
    limits,
    access: project.git,
  });
}
export { timedSource, withResolveHead } from './source-wrappers.js';
