import path from 'node:path';
import type { CommitSigning, ProjectConfig } from '../config/types.js';
import { SourceError, type CommitChange, type GitSource } from '../git/index.js';
import { ImagePullError } from '../model/image.js';
import { setServiceImage } from '../stack/image-edit.js';
import { STACK_FILE_NAMES } from '../stack/load.js';
import type { StackModel } from '../stack/model.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import {
  isTrustedSigner,
  signCommitPayload,
  SigningKeyError,
  type CommitSigningKey,
} from '../trust/sign-commit.js';
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
  /** Review mode: the commit is on `branch` (pushed now, or already there from an earlier check). */
  | { kind: 'proposed'; branch: string; commit: string; pushed: boolean; proposals: SemverProposal[] }
  | { kind: 'problem'; problem: SemverProblem; proposals: SemverProposal[] };

export interface SemverInput {
  head: string;
  model: StackModel;
  project: ProjectConfig;
  source: GitSource;
  /** The repository's tags (src/drivers/registry/tag-list.ts with the project's login). */
  listTags(follow: { registry: string; repository: string }): Promise<string[]>;
  /**
   * Spin's signing key from the project's `commitSigning` (commit-signer.ts), read at each use;
   * throws a SigningKeyError saying what to fix.
   */
  loadSigningKey?(signing: CommitSigning): Promise<CommitSigningKey>;
  /** The problem the last check reported: the same one again is not logged again. */
  previousProblem?: SemverProblem;
  log: Logger;
}

/**
 * The semver image-update step of a pass whose image-update check is due: list each followed
 * repository's tags, and when a newer tag is in range, commit the stack file with only those
 * image lines changed (author Spin), signed with the project's `commitSigning` key when one is
 * configured, and push it to the deploy branch, so it deploys through the gate like any commit;
 * or, in review mode (`imageUpdates.branch`), to that branch for a reviewer to merge. Nothing is
 * written when the project requires signed commits and Spin has no usable key its trust keys
 * accept, nor in a repository on disk; the push may be refused (protected branch).
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
    const again = input.previousProblem?.reason === reason && input.previousProblem.message === message;
    // Said once: the status keeps saying it; each later check that finds the same is a debug line.
    if (again) log.debug({ project: project.name, reason }, 'image update still not committed');
    else log.warn({ project: project.name, reason, err: message }, 'image update not committed');
    return { kind: 'problem', problem: { reason, message }, proposals };
  };
  const reviewBranch = typeof project.imageUpdates === 'object' ? project.imageUpdates.branch : undefined;
  const trustKeys = project.trust?.keys ?? [];
  const signing = project.commitSigning;
  let signer: CommitSigningKey | undefined;
  if (signing && input.loadSigningKey) {
    try {
      signer = await input.loadSigningKey(signing);
    } catch (err) {
      if (!(err instanceof SigningKeyError)) throw err;
      return problem(
        'ImageUpdateUnsigned',
        `newer tags in range (${what}), but Spin's signing key cannot be used: ${err.message}`,
      );
    }
  }
  if (trustKeys.length > 0 && !signer) {
    return problem(
      'ImageUpdateUnsigned',
      `newer tags in range (${what}), but the project requires signed commits (trust) and Spin has no signing key: set commitSigning.keyFile (an armored OpenPGP private key) in the daemon config and add its public key to the project's trust.keys, or commit the new tags yourself, signed`,
    );
  }
  // Straight to the deploy branch, a commit its own gate would refuse would only block the branch.
  if (signer && trustKeys.length > 0 && !reviewBranch && !(await isTrustedSigner(signer, trustKeys))) {
    return problem(
      'ImageUpdateUnsigned',
      `newer tags in range (${what}), but Spin's signing key ${signer.fingerprint} is not among the project's trust keys, so its commit would be refused; add its public key to trust.keys`,
    );
  }
  const { source } = input;
  const onDisk = () =>
    problem(
      'ImageUpdateRefused',
      `newer tags in range (${what}), but Spin does not write to a repository on disk; serve it over http(s) or commit the new tags yourself`,
    );
  if (reviewBranch ? !source.proposeOnBranch : !source.commitToBranch) return onDisk();
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
  const change: CommitChange = {
    parent: input.head,
    files: { [stack.file]: text },
    message: semverCommitMessage(proposals),
    author: SPIN_AUTHOR,
    ...(signer ? { sign: (payload: string) => signCommitPayload(payload, signer) } : {}),
  };
  const target = reviewBranch ?? project.branch;
  const updates = proposals.map((p) => ({ service: p.service, from: p.tag, to: p.nextTag }));
  try {
    if (reviewBranch && source.proposeOnBranch) {
      const proposed = await source.proposeOnBranch(change, reviewBranch);
      if (proposed.pushed) {
        log.info(
          { project: project.name, branch: reviewBranch, commit: proposed.commit, signed: !!signer, updates },
          'image update proposed for review',
        );
      } else {
        log.debug({ project: project.name, branch: reviewBranch }, 'image update already proposed');
      }
      return { kind: 'proposed', branch: reviewBranch, ...proposed, proposals };
    }
    if (!source.commitToBranch) return onDisk();
    const commit = await source.commitToBranch(change);
    log.info({ project: project.name, commit, signed: !!signer, updates }, 'image update committed');
    return { kind: 'committed', commit, proposals };
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    return problem(
      'ImageUpdateRefused',
      `newer tags in range (${what}), but the commit could not be pushed: ${errorMessage(err)}; allow Spin to push to ${target} or commit the new tags yourself`,
    );
  }
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
