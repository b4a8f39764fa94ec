import type { ProjectConfig } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import type { GitSource } from '../git/index.js';
import { sortDiagnostics, type Diagnostic } from '../stack/diagnostics.js';
import { previewSecrets } from '../secrets/deliver.js';
import { commitTrust, type SignatureVerdict } from '../trust/index.js';
import { loadDesired } from './desired.js';
import { describePlan, planProject, type Action } from './plan.js';
import { actualForProject, type ActualState } from '../model/actual-state.js';

export interface PlanPreview {
  project: string;
  commit: string;
  valid: boolean;
  diagnostics: Diagnostic[];
  actions: Action[];
  summary: string;
  /** The commit's signature verdict, for projects with `trust.keys`. */
  trust?: SignatureVerdict;
}

/**
 * What the daemon would do for a commit (by default the deploy branch head), changing nothing:
 * `spin plan`, the API's plan endpoint and reviewers' previews of other branches all use this.
 */
export async function previewPlan(input: {
  project: ProjectConfig;
  source: GitSource;
  driver: Driver;
  commit?: string;
  actual?: ActualState;
  trustCache?: Map<string, SignatureVerdict>;
  /**
   * `deploy` (the default): an untrusted commit is refused, as the daemon would refuse it.
   * `review`: another branch's head, which deploys only through a (signed) merge: the verdict is
   * reported in `trust`, the plan made anyway.
   */
  purpose?: 'deploy' | 'review';
}): Promise<PlanPreview> {
  const { project } = input;
  const commit = input.commit ?? (await input.source.resolveHead());
  const trust = await commitTrust(project, input.source.gitdir, commit, input.trustCache);
  if (trust && !trust.ok && input.purpose !== 'review') {
    const message = `untrusted commit: ${trust.reason}`;
    return {
      project: project.name,
      commit,
      valid: false,
      diagnostics: [
        { file: `commit ${commit.slice(0, 12)}`, line: 0, column: 0, rule: 'trust', message, path: '' },
      ],
      actions: [],
      summary: 'commit refused',
      trust,
    };
  }
  const loaded = await loadDesired(input.source.readerAt(commit), commit, {
    project: project.name,
    env: project.env,
    stackDir: project.path,
    policy: project.policy,
  });
  // Secret digests and config mounts as the daemon computes them, writing nothing.
  const gated = await previewSecrets(project, input.source, commit, loaded);
  if (!gated.ok) {
    const diagnostics = sortDiagnostics(gated.diagnostics);
    return {
      project: project.name,
      commit,
      valid: false,
      diagnostics,
      actions: [],
      summary: 'commit refused',
      trust,
    };
  }
  const actual = actualForProject(input.actual ?? (await input.driver.listActual()), project.name);
  const actions = planProject(gated.desired, actual, {
    pruneVolumes: project.policy.volumes?.prune === true,
  });
  return {
    project: project.name,
    commit,
    valid: true,
    diagnostics: [],
    actions,
    summary: describePlan(actions),
    trust,
  };
}
