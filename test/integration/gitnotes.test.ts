import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitNotesProvider, NOTES_REF } from '../../src/forge/gitnotes.js';
import type { CommitStatus } from '../../src/forge/types.js';
import {
  cloneWorkingCopy,
  commitAll,
  createRepo,
  runGit,
  startGitServer,
  writeFiles,
  type GitServer,
  type WorkingCopy,
} from '../helpers/git-server.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

/**
 * The gitnotes provider against a real `git http-backend` and, for the local mode, a repository on
 * disk; every assertion reads the notes back with the real `git notes` command.
 */
let tmp: string;
let server: GitServer;
let cacheCount = 0;

beforeAll(async () => {
  tmp = await makeTempDir('gitnotes');
  server = await startGitServer(path.join(tmp, 'srv'));
});

afterAll(async () => {
  await server?.stop();
  await removeTempDir(tmp);
});

/** A served repository with `commits` commits on main; resolves to its URL and the shas. */
async function repoWithCommits(name: string, commits: number): Promise<{ url: string; shas: string[] }> {
  await createRepo(path.join(tmp, 'srv'), name);
  const url = server.repoUrl(name);
  const wc = await cloneWorkingCopy(url, path.join(tmp, `${name}-author`));
  const shas: string[] = [];
  for (let i = 0; i < commits; i++) {
    await wc.writeFiles({ 'compose.yaml': `# revision ${i}\nservices: {}\n` });
    shas.push(await wc.commitAll(`revision ${i}`));
  }
  await wc.push();
  return { url, shas };
}

function remoteProvider(url: string): GitNotesProvider {
  return new GitNotesProvider({ gitdir: path.join(tmp, `cache-${++cacheCount}.git`), url });
}

/** What a reviewer does: a fresh clone, fetch the notes ref, `git notes show`. */
async function freshCloneNote(url: string, sha: string): Promise<Record<string, { state: string }>> {
  const wc: WorkingCopy = await cloneWorkingCopy(url, path.join(tmp, `reader-${++cacheCount}`));
  await wc.git(['fetch', '--quiet', 'origin', `${NOTES_REF}:${NOTES_REF}`]);
  return JSON.parse(await wc.git(['notes', '--ref=spin', 'show', sha])) as Record<string, { state: string }>;
}

const status = (
  commit: string,
  context: string,
  state: CommitStatus['state'],
  description: string,
): CommitStatus => ({
  commit,
  context,
  state,
  description,
  targetUrl: 'http://127.0.0.1:7070/projects/gw',
});

describe('gitnotes provider on a remote repository', () => {
  it('writes a note a fresh clone reads with git notes', async () => {
    const { url, shas } = await repoWithCommits('single', 1);
    const sha = shas[0] as string;
    const provider = remoteProvider(url);
    await provider.post(status(sha, 'spin/gw', 'pending', 'deploying'));
    await provider.post(status(sha, 'spin/gw', 'success', 'converged: 1 service healthy'));

    const note = await freshCloneNote(url, sha);
    expect(note['spin/gw']).toMatchObject({
      state: 'success',
      description: 'converged: 1 service healthy',
      targetUrl: 'http://127.0.0.1:7070/projects/gw',
    });
    expect(Date.parse((note['spin/gw'] as unknown as { updatedAt: string }).updatedAt)).not.toBeNaN();
    // Two statuses, two notes commits, each on top of the previous one.
    const wc = await cloneWorkingCopy(url, path.join(tmp, 'history-reader'));
    await wc.git(['fetch', '--quiet', 'origin', `${NOTES_REF}:${NOTES_REF}`]);
    expect((await wc.git(['rev-list', '--count', NOTES_REF])).trim()).toBe('2');
  });

  it('keeps notes of two writers with separate caches writing the same commit at once', async () => {
    const { url, shas } = await repoWithCommits('same-commit', 1);
    const sha = shas[0] as string;
    const a = remoteProvider(url);
    const b = remoteProvider(url);
    await Promise.all([
      a.post(status(sha, 'spin/gw', 'success', 'deployed')),
      b.post(status(sha, 'spin/gw/validate', 'failure', 'policy: privileged is not allowed')),
      a.post(status(sha, 'spin/other', 'error', 'engine unreachable')),
      b.post(status(sha, 'spin/third', 'pending', 'deploying')),
    ]);
    const note = await freshCloneNote(url, sha);
    expect(Object.keys(note).sort()).toEqual(['spin/gw', 'spin/gw/validate', 'spin/other', 'spin/third']);
    expect(note['spin/gw/validate']?.state).toBe('failure');
  });

  it('keeps notes of two writers writing different commits at once', async () => {
    const { url, shas } = await repoWithCommits('two-commits', 4);
    const a = remoteProvider(url);
    const b = remoteProvider(url);
    await Promise.all(
      shas.map((sha, i) => (i % 2 === 0 ? a : b).post(status(sha, 'spin/gw', 'success', `revision ${i}`))),
    );
    for (const [i, sha] of shas.entries()) {
      const note = await freshCloneNote(url, sha);
      expect(note['spin/gw']).toMatchObject({ state: 'success', description: `revision ${i}` });
    }
  });

  it("starts over from the other writer's notes when its push loses the race", async () => {
    const { shas } = await repoWithCommits('race', 1);
    const sha = shas[0] as string;
    const pushes: string[] = [];
    let armed = true;
    let b: GitNotesProvider | undefined;
    // A second server on the same repositories: when A's first push arrives, B writes first.
    const racing = await startGitServer(path.join(tmp, 'srv'), {
      intercept: async (req) => {
        if (req.method === 'POST' && req.url?.endsWith('/git-receive-pack')) {
          pushes.push(armed ? 'a-first' : 'other');
          if (armed) {
            armed = false;
            await b?.post(status(sha, 'spin/b', 'success', 'from b'));
          }
        }
        return false;
      },
    });
    try {
      const url = racing.repoUrl('race');
      const a = remoteProvider(url);
      b = remoteProvider(url);
      await a.post(status(sha, 'spin/a', 'success', 'from a'));
      // A's first push was refused by the server's old-value check and A pushed again.
      expect(pushes).toEqual(['a-first', 'other', 'other']);
      const note = await freshCloneNote(url, sha);
      expect(Object.keys(note).sort()).toEqual(['spin/a', 'spin/b']);
    } finally {
      await racing.stop();
    }
  });

  it('merges with notes written by git notes itself', async () => {
    const { url, shas } = await repoWithCommits('cli-notes', 2);
    const [first, second] = shas as [string, string];
    const wc = await cloneWorkingCopy(url, path.join(tmp, 'cli-writer'));
    await wc.git(['notes', '--ref=spin', 'add', '-m', '{"ci/other": {"state": "success"}}', first]);
    await wc.git(['push', '--quiet', 'origin', NOTES_REF]);

    const provider = remoteProvider(url);
    await provider.post(status(first, 'spin/gw', 'success', 'deployed'));
    await provider.post(status(second, 'spin/gw', 'failure', 'refused'));

    const note = await freshCloneNote(url, first);
    expect(Object.keys(note).sort()).toEqual(['ci/other', 'spin/gw']);
    expect((await freshCloneNote(url, second))['spin/gw']?.state).toBe('failure');
  });

  it('reads and keeps a fanned-out notes tree', async () => {
    const { url, shas } = await repoWithCommits('fanout', 1);
    const sha = shas[0] as string;
    // A large notes tree as git lays it out: two-hex-digit folders (ab/cdef…) holding the notes.
    const wc = await cloneWorkingCopy(url, path.join(tmp, 'fanout-writer'));
    const blob = (await wc.git(['hash-object', '-w', path.join(wc.dir, 'compose.yaml')])).trim();
    const buckets = new Map<string, string[]>();
    for (let i = 0; i < 300; i++) {
      const annotated = createHash('sha1').update(`object ${i}`).digest('hex');
      const list = buckets.get(annotated.slice(0, 2)) ?? [];
      list.push(`100644 blob ${blob}\t${annotated.slice(2)}`);
      buckets.set(annotated.slice(0, 2), list);
    }
    const rootLines: string[] = [];
    for (const [prefix, lines] of buckets) {
      const subtree = (await mktree(wc, lines.join('\n') + '\n')).trim();
      rootLines.push(`040000 tree ${subtree}\t${prefix}`);
    }
    const root = (await mktree(wc, rootLines.join('\n') + '\n')).trim();
    const commit = (await wc.git(['commit-tree', root, '-m', 'fanned-out notes'])).trim();
    await wc.git(['update-ref', NOTES_REF, commit]);
    expect((await wc.git(['notes', '--ref=spin', 'list'])).trim().split('\n')).toHaveLength(300);
    await wc.git(['push', '--quiet', 'origin', NOTES_REF]);

    await remoteProvider(url).post(status(sha, 'spin/gw', 'success', 'deployed'));
    expect((await freshCloneNote(url, sha))['spin/gw']?.state).toBe('success');
    const reader = await cloneWorkingCopy(url, path.join(tmp, 'fanout-reader'));
    await reader.git(['fetch', '--quiet', 'origin', `${NOTES_REF}:${NOTES_REF}`]);
    expect((await reader.git(['notes', '--ref=spin', 'list'])).trim().split('\n')).toHaveLength(301);
  });
});

/** `git mktree` reading entries on stdin (runGit has no stdin, so this spawns git itself). */
function mktree(wc: WorkingCopy, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['mktree'], { cwd: wc.dir }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

describe('gitnotes provider on a local repository', () => {
  async function localRepo(name: string): Promise<{ dir: string; sha: string }> {
    const dir = path.join(tmp, name);
    await runGit(['init', '-q', '-b', 'main', dir]);
    await runGit(['config', 'user.email', 'r@example.org'], dir);
    await runGit(['config', 'user.name', 'Researcher'], dir);
    await writeFiles(dir, { 'compose.yaml': 'services: {}\n' });
    return { dir, sha: await commitAll(dir, 'first') };
  }

  it('writes the note into the repository itself', async () => {
    const { dir, sha } = await localRepo('local-one');
    const provider = new GitNotesProvider({ gitdir: path.join(dir, '.git') });
    await provider.post(status(sha, 'spin/gw', 'success', 'deployed'));
    const note = JSON.parse(await runGit(['notes', '--ref=spin', 'show', sha], dir)) as Record<
      string,
      unknown
    >;
    expect(note['spin/gw']).toMatchObject({ state: 'success', description: 'deployed' });
  });

  it('keeps every note when several writers update the ref at once', async () => {
    const { dir, sha } = await localRepo('local-many');
    await writeFiles(dir, { 'compose.yaml': 'services: {a: {}}\n' });
    const second = await commitAll(dir, 'second');
    // Symlinked paths are different keys for the in-process queue, so the writers really run at
    // the same time and only git's ref lock keeps them from losing each other's notes.
    const gitdirs = [0, 1, 2].map((i) => path.join(tmp, `local-many-link-${i}`));
    for (const link of gitdirs) await symlink(path.join(dir, '.git'), link);
    const writers = gitdirs.map((gitdir) => new GitNotesProvider({ gitdir }));
    const extra = gitdirs.map((gitdir) => new GitNotesProvider({ gitdir }));
    await Promise.all([
      ...writers.map((w, i) => w.post(status(sha, `spin/p${i}`, 'success', `writer ${i}`))),
      ...extra.map((w, i) => w.post(status(second, `spin/q${i}`, 'pending', `writer ${i}`))),
    ]);
    const first = JSON.parse(await runGit(['notes', '--ref=spin', 'show', sha], dir)) as object;
    expect(Object.keys(first).sort()).toEqual(['spin/p0', 'spin/p1', 'spin/p2']);
    const other = JSON.parse(await runGit(['notes', '--ref=spin', 'show', second], dir)) as object;
    expect(Object.keys(other).sort()).toEqual(['spin/q0', 'spin/q1', 'spin/q2']);
    await expect(runGit(['fsck', '--no-progress'], dir)).resolves.toBeDefined();
  });

  it('refuses a path that is not a repository without retrying', async () => {
    const provider = new GitNotesProvider({ gitdir: path.join(tmp, 'no-such-repo') });
    await expect(provider.post(status('a'.repeat(40), 'spin/gw', 'success', 'x'))).rejects.toMatchObject({
      retryable: false,
    });
  });
});
