import { describe, expect, it } from 'vitest';
import type { CommitChange, GitSource } from '../../../src/git/index.js';
import { ImagePullError } from '../../../src/model/image.js';
import { semverImageCommit } from '../../../src/reconciler/semver-commit.js';
import { proposeSemver, semverFollows } from '../../../src/reconciler/semver-updates.js';
import type { StackModel } from '../../../src/stack/model.js';
import { silentLogger } from '../../../src/util/logger.js';
import { localProject } from './local-project.js';

const REF = 'reg.example.org/lab/web:1.4.0';
const STACK = `services:\n  web:\n    image: ${REF}\n    x-spin: { imageUpdates: { semver: "~1.4" } }\n  db:\n    image: reg.example.org/lab/db:2.0.0\n`;

const model = (imageUpdates?: { semver: string }): StackModel =>
  ({
    project: 'a',
    services: {
      web: { image: REF, ...(imageUpdates ? { imageUpdates } : {}) },
      db: { image: 'reg.example.org/lab/db:2.0.0' },
    },
  }) as unknown as StackModel;

/** A source whose stack file is STACK at `head`; records the commits it is asked to write. */
function fakeSource(writes: CommitChange[], writable = true): GitSource {
  const source = {
    gitdir: '/nowhere',
    listRefs: async () => [],
    ensureCommit: async () => {},
    resolveHead: async () => 'head',
    readerAt: () => ({
      readFile: async (file: string) => (file === 'compose.yaml' ? Buffer.from(STACK) : undefined),
    }),
    watch: async () => async () => {},
  } as GitSource;
  if (writable)
    source.commitToBranch = async (change) => {
      writes.push(change);
      return 'new-commit';
    };
  return source;
}

const tags = async () => ['1.4.0', '1.4.3', '1.5.0', '2.0.0', 'latest'];

describe('semver image updates', () => {
  it('follows the service’s own range, else the project’s; only references by tag', () => {
    expect(semverFollows(model({ semver: '~1.4' }), undefined).map((f) => f.service)).toEqual(['web']);
    expect(semverFollows(model(), { semver: '^2' }).map((f) => [f.service, f.range])).toEqual([
      ['web', '^2'],
      ['db', '^2'],
    ]);
    expect(semverFollows(model(), 'digest')).toEqual([]);
    const [web] = semverFollows(model({ semver: '~1.4' }), undefined);
    if (!web) throw new Error('no follow');
    expect(proposeSemver(web, ['1.4.0', '1.4.3', '2.0.0'])?.next).toBe('reg.example.org/lab/web:1.4.3');
    expect(proposeSemver(web, ['1.4.0', '2.0.0'])).toBeUndefined();
    expect(proposeSemver({ ...web, tag: '1.4.7' }, ['1.4.3'])).toBeUndefined();
  });

  it('commits the newest tag in range, by Spin, naming service, old and new tag', async () => {
    const writes: CommitChange[] = [];
    const outcome = await semverImageCommit({
      head: 'head',
      model: model({ semver: '~1.4' }),
      project: localProject('a', '/nowhere'),
      source: fakeSource(writes),
      listTags: tags,
      log: silentLogger(),
    });
    expect(outcome.kind).toBe('committed');
    expect(writes).toHaveLength(1);
    const [change] = writes;
    expect(change?.parent).toBe('head');
    expect(change?.author).toEqual({ name: 'Spin', email: 'spin@localhost' });
    expect(change?.message).toMatch(/^image update web 1\.4\.0 -> 1\.4\.3\n/);
    expect(change?.files).toEqual({ 'compose.yaml': STACK.replace('web:1.4.0', 'web:1.4.3') });
  });

  it('does not commit for a project that requires signed commits: ImageUpdateUnsigned', async () => {
    const writes: CommitChange[] = [];
    const project = { ...localProject('a', '/nowhere'), trust: { keys: ['k'], keyFiles: [] } };
    const outcome = await semverImageCommit({
      head: 'head',
      model: model({ semver: '~1.4' }),
      project,
      source: fakeSource(writes),
      listTags: tags,
      log: silentLogger(),
    });
    expect(outcome.kind === 'problem' && outcome.problem.reason).toBe('ImageUpdateUnsigned');
    expect(outcome.kind === 'problem' && outcome.problem.message).toContain('web 1.4.0 -> 1.4.3');
    expect(writes).toEqual([]);
  });

  it('says ImageUpdateRefused for a repository Spin cannot write, and does nothing when the registry fails', async () => {
    const base = {
      head: 'head',
      model: model({ semver: '~1.4' }),
      project: localProject('a', '/nowhere'),
      log: silentLogger(),
    };
    const refused = await semverImageCommit({ ...base, source: fakeSource([], false), listTags: tags });
    expect(refused.kind === 'problem' && refused.problem.reason).toBe('ImageUpdateRefused');
    const writes: CommitChange[] = [];
    const failed = await semverImageCommit({
      ...base,
      source: fakeSource(writes),
      listTags: async () => {
        throw new ImagePullError('RegistryUnreachable', REF, 'down');
      },
    });
    expect(failed.kind).toBe('none');
    expect(writes).toEqual([]);
  });
});
