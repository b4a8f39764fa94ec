/**
 * Review mode's branch handling (HttpGitSource.proposeOnBranch) against the real git smart-HTTP
 * server: the review branch is created on top of the deploy head; the same proposal is not pushed
 * again; Spin's own older proposal is replaced; a merged one is moved forward; commits of anyone
 * else on the branch are never overwritten. The deploy branch never moves.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_LIMITS } from '../../src/config/load.js';
import type { ProjectConfig } from '../../src/config/types.js';
import { createGitSource, SourceError, type CommitChange, type GitSource } from '../../src/git/index.js';
import {
  cloneWorkingCopy,
  createRepo,
  lsRemote,
  startGitServer,
  type GitServer,
  type WorkingCopy,
} from '../helpers/git-server.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

const BRANCH = 'spin/image-updates';
let tmp: string;
let server: GitServer;
let copy: WorkingCopy;
let source: GitSource;
let url: string;

const change = (parent: string, tag: string): CommitChange => ({
  parent,
  files: { 'compose.yaml': `services:\n  web:\n    image: reg/web:${tag}\n` },
  message: `image update web -> ${tag}\n`,
  author: { name: 'Spin', email: 'spin@localhost' },
});

/** The deploy head as the daemon sees it (resolveHead also refreshes the refs proposeOnBranch reads). */
const head = () => source.resolveHead();
const propose = async (tag: string) => {
  const proposal = source.proposeOnBranch;
  if (!proposal) throw new Error('no review mode on an http source');
  return proposal.call(source, change(await head(), tag), BRANCH);
};
const refs = () => lsRemote(url);

beforeAll(async () => {
  tmp = await makeTempDir('review');
  const root = path.join(tmp, 'git');
  server = await startGitServer(root);
  await createRepo(root, 'stack');
  url = server.repoUrl('stack');
  copy = await cloneWorkingCopy(url, path.join(tmp, 'work'));
  await copy.commitAndPush({ 'compose.yaml': 'services:\n  web:\n    image: reg/web:1.4.0\n' }, 'first');
  const project = {
    name: 'stack',
    repo: { kind: 'http', url },
    branch: 'main',
  } as unknown as ProjectConfig;
  source = createGitSource(project, path.join(tmp, 'state'), DEFAULT_GIT_LIMITS);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await removeTempDir(tmp);
});

describe('the review branch', () => {
  it('is created on top of the deploy head; the same proposal again pushes nothing', async () => {
    const main = await head();
    const created = await propose('1.4.3');
    expect(created.pushed).toBe(true);
    expect(await refs()).toMatchObject({ 'refs/heads/main': main, [`refs/heads/${BRANCH}`]: created.commit });
    await copy.git(['fetch', '--quiet', 'origin']);
    expect((await copy.git(['rev-parse', `${created.commit}^`])).trim()).toBe(main);

    const again = await propose('1.4.3');
    expect(again).toEqual({ commit: created.commit, pushed: false });
  });

  it('replaces Spin’s own older proposal with a newer one on the same head', async () => {
    const older = (await refs())[`refs/heads/${BRANCH}`];
    const newer = await propose('1.4.5');
    expect(newer.pushed).toBe(true);
    expect(newer.commit).not.toBe(older);
    const now = await refs();
    expect(now[`refs/heads/${BRANCH}`]).toBe(newer.commit);
    await copy.git(['fetch', '--quiet', 'origin']);
    expect(await copy.git(['show', `${newer.commit}:compose.yaml`])).toContain('reg/web:1.4.5');
  });

  it('moves forward once the proposal is merged and the deploy branch went on', async () => {
    // The reviewer merges (fast-forward), then someone commits on main.
    const proposal = (await refs())[`refs/heads/${BRANCH}`] ?? '';
    await copy.git(['fetch', '--quiet', 'origin']);
    await copy.git(['merge', '--quiet', '--ff-only', proposal]);
    await copy.commitAndPush({ 'README.md': 'notes\n' }, 'docs');
    const next = await propose('1.4.7');
    expect(next.pushed).toBe(true);
    await copy.git(['fetch', '--quiet', 'origin']);
    expect((await copy.git(['rev-parse', `${next.commit}^`])).trim()).toBe(await copy.head());
  });

  it('never overwrites someone else’s commit on the branch, and leaves main alone', async () => {
    await copy.git(['fetch', '--quiet', 'origin']);
    await copy.checkout(BRANCH);
    await copy.git(['reset', '--quiet', '--hard', `origin/${BRANCH}`]);
    await copy.writeFiles({ 'compose.yaml': 'services:\n  web:\n    image: reg/web:1.4.7 # reviewed\n' });
    const theirs = await copy.commitAll('reviewer fixup');
    await copy.push(BRANCH);
    await copy.checkout('main');
    const main = (await refs())['refs/heads/main'];

    const refused = await propose('1.4.9').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SourceError);
    expect((refused as SourceError).code).toBe('push-refused');
    expect((refused as Error).message).toContain(`branch ${BRANCH}`);
    expect((refused as Error).message).toContain("not Spin's proposal");
    expect(await refs()).toMatchObject({ 'refs/heads/main': main, [`refs/heads/${BRANCH}`]: theirs });
  });
});
