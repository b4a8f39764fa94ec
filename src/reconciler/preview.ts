import type { ProjectConfig } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import type { GitSource } from '../git/index.js';
import { sortDiagnostics, type Diagnostic } from '../stack/diagnostics.js';
import type { SignatureVerdict } from '../trust/index.js';
import { commitReads } from './commit-reads.js';
import { gateCommit } from './gate.js';
import { describePlan, planSteps, type Action } from './plan.js';
import { registryAuthFor } from '../config/registry-auth.js';
import { projectSecretReader } from '../secrets/project-secret.js';
import { pinImages } from './image-pins.js';
import { imageMemoryOf } from './image-update-memory.js';
import type { ImageUpdateState } from '../model/image.js';
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
  /**
   * What the project's status remembers of image updates: one in flight is pinned to the digest
   * it moves to (its new units are awaited, not strays), a rejected digest back to the old one.
   */
  imageUpdates?: ImageUpdateState;
}): Promise<PlanPreview> {
  const { project } = input;
  const commit = input.commit ?? (await input.source.resolveHead());
  // Secret digests and config mounts as the daemon computes them, writing nothing.
  const reads = commitReads({
    project,
    source: input.source,
    engine: input.driver,
    trustCache: input.trustCache,
    secrets: { mode: 'preview' },
  });
  const verdict = await gateCommit(commit, reads, {
    trust: input.purpose === 'review' ? 'report' : 'require',
  });
  if (!verdict.ok) {
    return {
      project: project.name,
      commit,
      valid: false,
      diagnostics:
        verdict.refusal === 'untrusted' ? verdict.diagnostics : sortDiagnostics(verdict.diagnostics),
      actions: [],
      summary: 'commit refused',
      trust: verdict.trust,
    };
  }
  const actual = actualForProject(input.actual ?? (await input.driver.listActual()), project.name);
  // Pinned as a pass would pin them (what runs keeps its digest; no update checks), so a
  // pinned service does not show as a recreate. An image that cannot be resolved plans unpinned.
  const images = imageMemoryOf(input.imageUpdates);
  const { desired } = await pinImages(verdict.desired, actual.containers, {
    rejected: images.rejected,
    inFlight: images.inFlight,
    resolve: async (ref, fresh) =>
      input.driver.resolveImage
        ? input.driver.resolveImage(ref, {
            fresh,
            auth: await registryAuthFor(
              ref,
              project.registries,
              projectSecretReader(project.secrets, project.name),
            ),
          })
        : { ref },
    updatesDue: () => false,
  });
  const { actions } = planSteps(input.driver, desired, actual, {
    pruneAllowed: project.policy.volumes?.prune === true,
  });
  return {
    project: project.name,
    commit,
    valid: true,
    diagnostics: [],
    actions,
    summary: describePlan(actions),
    trust: verdict.trust,
  };
}
