import path from 'node:path';
import type { ProjectConfig } from '../config/types.js';
import { SourceError, type GitSource } from '../git/index.js';
import { ImagePullError } from '../model/image.js';
import { setServiceImage } from '../stack/image-edit.js';
import { STACK_FILE_NAMES } from '../stack/load.js';
import type { StackModel } from '../stack/model.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { proposeSemver, semverCommitMessage, semverFollows, type SemverProposal } from './semver-updates.js';

/** Who Spin's image-update commits are by. */
export const SPIN_AUTHOR = { name: 'Spin', email: 'spin@localhost' };

/** Why a newer tag in range did not become a commit (shown in the status until a check succeeds). */
export interface SemverProblem {
  reason: 'ImageUpdateUnsigned' | 'ImageUpdateRefused';
  message: string;
}

export type SemverOutcome =
  | { kind: 'none' }
  | { kind: 'committed'; commit: string; proposals: SemverProposal[] }
  | { kind: 'problem'; problem: SemverProblem; proposals: SemverProposal[] };

export interface SemverInput {
  head: string;
  model: StackModel;
  project: ProjectConfig;
  source: GitSource;
  /** The repository's tags (src/drivers/registry/tag-list.ts with the project's login). */
  listTags(follow: { registry: string; repository: string }): Promise<string[]>;
  log: Logger;
}

/**
 * The semver image-update step of a pass whose image-update check is due: list each followed
 * repository's tags, and when a newer tag is in range, commit the stack file with only those
 * image lines changed (author Spin) and push it to the deploy branch, so it deploys through the
 * gate like any commit. It does not commit when the project requires signed commits (Spin has
 * no signing key), nor in a repository on disk; the push may be refused (protected branch).
 */
export async function semverImageCommit(input: SemverInput): Promise<SemverOutcome> {
  const { project, log } = input;
  const proposals: SemverProposal[] = [];
  for (const follow of semverFollows(input.model, project.imageUpdates)) {
    let tags: string[];
    try {
      tags = await input.listTags(follow);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      log.warn(
        { project: project.name, service: follow.service, reason: err.reason, err: err.message },
        'image update check failed; the stack keeps its tag',
      );
      continue;
    }
    const proposal = proposeSemver(follow, tags);
    if (proposal) proposals.push(proposal);
  }
  if (proposals.length === 0) {
    log.debug({ project: project.name }, 'image update check: no newer tag in range');
    return { kind: 'none' };
  }
  const what = proposals.map((p) => `${p.service} ${p.tag} -> ${p.nextTag} (${p.range})`).join(', ');
  const problem = (reason: SemverProblem['reason'], message: string): SemverOutcome => {
    log.warn({ project: project.name, reason, err: message }, 'image update not committed');
    return { kind: 'problem', problem: { reason, message }, proposals };
  };
  if (project.trust) {
    return problem(
      'ImageUpdateUnsigned',
      `newer tags in range (${what}), but the project requires signed commits and Spin has no signing key; commit the new tags yourself, signed`,
    );
  }
  if (!input.source.commitToBranch) {
    return problem(
      'ImageUpdateRefused',
      `newer tags in range (${what}), but Spin does not write to a repository on disk; serve it over http(s) or commit the new tags yourself`,
    );
  }
  const stack = await readStackFile(input.source, input.head, project.path);
  if (!stack)
    return problem('ImageUpdateRefused', `newer tags in range (${what}), but the stack file was not found`);
  let text = stack.text;
  for (const p of proposals) {
    const edit = setServiceImage(text, p.service, p.ref, p.next);
    if (!edit.ok)
      return problem(
        'ImageUpdateRefused',
        `newer tags in range (${what}), but ${stack.file}: ${edit.reason}`,
      );
    text = edit.text;
  }
  let commit: string;
  try {
    commit = await input.source.commitToBranch({
      parent: input.head,
      files: { [stack.file]: text },
      message: semverCommitMessage(proposals),
      author: SPIN_AUTHOR,
    });
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    return problem(
      'ImageUpdateRefused',
      `newer tags in range (${what}), but the commit could not be pushed: ${errorMessage(err)}; allow Spin to push to ${project.branch} or commit the new tags yourself`,
    );
  }
  log.info(
    {
      project: project.name,
      commit,
      updates: proposals.map((p) => ({ service: p.service, from: p.tag, to: p.nextTag })),
    },
    'image update committed',
  );
  return { kind: 'committed', commit, proposals };
}

/** The stack file of `commit` (repository path and text), searched as the loader searches. */
async function readStackFile(
  source: GitSource,
  commit: string,
  dir: string,
): Promise<{ file: string; text: string } | undefined> {
  const reader = source.readerAt(commit);
  for (const name of STACK_FILE_NAMES) {
    const file = dir ? path.posix.join(dir, name) : name;
    const bytes = await reader.readFile(file);
    if (bytes) return { file, text: Buffer.from(bytes).toString('utf8') };
  }
  return undefined;
}
