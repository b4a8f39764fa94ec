import { describe, expect, it } from 'vitest';
import type { CommitChange, GitSource } from '../../../src/git/index.js';
import { ImagePullError } from '../../../src/model/image.js';
import { semverImageCommit } from '../../../src/reconciler/semver-commit.js';
import { proposeSemver, semverFollows } from '../../../src/reconciler/semver-updates.js';
import type { StackModel } from '../../../src/stack/model.js';
import { silentLogger } from '../../../src/util/logger.js';
import { localProject } from './local-project.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/util/logger.js';
import { readSigningKey, SigningKeyError, type CommitSigningKey } from '../../../src/trust/sign-commit.js';
import { makeKey, type TestKey } from '../../helpers/pgp.js';
import type { ProjectConfig } from '../../../src/config/types.js';

/** A logger whose lines (parsed) land in `lines`. */
function capturingLogger(lines: { msg: string; level: number }[]) {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger({ level: 'debug', destination });
}

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
function fakeSource(
  writes: CommitChange[],
  writable = true,
  proposals: { change: CommitChange; branch: string }[] = [],
): GitSource {
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
  if (writable)
    source.proposeOnBranch = async (change, branch) => {
      proposals.push({ change, branch });
      return { commit: 'proposal', pushed: true };
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

  describe('signed, and for review', () => {
    let spin: TestKey;
    let other: TestKey;
    let signer: CommitSigningKey;
    const signing = { keyFile: '/etc/spin/spin.asc' };
    const base = () => ({ head: 'head', model: model({ semver: '~1.4' }), listTags: tags });
    const project = (extra: Partial<ProjectConfig>): ProjectConfig => ({
      ...localProject('a', '/nowhere'),
      commitSigning: signing,
      ...extra,
    });

    it('signs the commit with Spin’s key when that key is among the project’s trust keys', async () => {
      [spin, other] = await Promise.all([makeKey('Spin'), makeKey('Other')]);
      signer = await readSigningKey(spin.armoredPrivate);
      const writes: CommitChange[] = [];
      const outcome = await semverImageCommit({
        ...base(),
        project: project({ trust: { keys: [other.armoredPublic, spin.armoredPublic], keyFiles: [] } }),
        source: fakeSource(writes),
        loadSigningKey: async (s) => {
          expect(s).toBe(signing);
          return signer;
        },
        log: silentLogger(),
      });
      expect(outcome.kind).toBe('committed');
      const sign = writes[0]?.sign;
      if (!sign) throw new Error('the commit was not signed');
      expect(await sign('tree x\n\nmsg\n')).toContain('-----BEGIN PGP SIGNATURE-----');
    }, 30_000);

    it('writes nothing when the trust keys do not hold Spin’s key, or the key cannot be used', async () => {
      const writes: CommitChange[] = [];
      const untrusted = await semverImageCommit({
        ...base(),
        project: project({ trust: { keys: [other.armoredPublic], keyFiles: [] } }),
        source: fakeSource(writes),
        loadSigningKey: async () => signer,
        log: silentLogger(),
      });
      expect(untrusted.kind === 'problem' && untrusted.problem).toMatchObject({
        reason: 'ImageUpdateUnsigned',
        message: expect.stringContaining(
          `signing key ${spin.fingerprint} is not among the project's trust keys`,
        ),
      });
      const broken = await semverImageCommit({
        ...base(),
        project: project({ trust: { keys: [spin.armoredPublic], keyFiles: [] } }),
        source: fakeSource(writes),
        loadSigningKey: async () => {
          throw new SigningKeyError('commitSigning.keyFile /etc/spin/spin.asc cannot be read (ENOENT)');
        },
        log: silentLogger(),
      });
      expect(broken.kind === 'problem' && broken.problem.message).toContain(
        "Spin's signing key cannot be used: commitSigning.keyFile /etc/spin/spin.asc cannot be read (ENOENT)",
      );
      const none = await semverImageCommit({
        ...base(),
        project: {
          ...project({ trust: { keys: [spin.armoredPublic], keyFiles: [] } }),
          commitSigning: undefined,
        },
        source: fakeSource(writes),
        log: silentLogger(),
      });
      expect(none.kind === 'problem' && none.problem.message).toContain('set commitSigning.keyFile');
      expect(writes).toEqual([]);
    });

    it('says the same problem once in the log, however many checks find it', async () => {
      const lines: { msg: string; level: number }[] = [];
      const input = {
        ...base(),
        project: { ...localProject('a', '/nowhere'), trust: { keys: ['k'], keyFiles: [] } },
        source: fakeSource([]),
        log: capturingLogger(lines),
      };
      const first = await semverImageCommit(input);
      const previousProblem = first.kind === 'problem' ? first.problem : undefined;
      await semverImageCommit({ ...input, previousProblem });
      await semverImageCommit({ ...input, previousProblem });
      expect(lines.filter((l) => l.msg === 'image update not committed')).toHaveLength(1);
      expect(lines.filter((l) => l.msg === 'image update still not committed')).toHaveLength(2);
    });

    it('review mode proposes on the branch, signed, and never writes the deploy branch', async () => {
      const writes: CommitChange[] = [];
      const proposals: { change: CommitChange; branch: string }[] = [];
      const outcome = await semverImageCommit({
        ...base(),
        // A reviewer's merge decides what deploys: Spin's key need not be a trust key here.
        project: project({
          imageUpdates: { branch: 'spin/image-updates' },
          trust: { keys: [other.armoredPublic], keyFiles: [] },
        }),
        source: fakeSource(writes, true, proposals),
        loadSigningKey: async () => signer,
        log: silentLogger(),
      });
      expect(outcome).toMatchObject({ kind: 'proposed', branch: 'spin/image-updates', commit: 'proposal' });
      expect(writes).toEqual([]);
      expect(proposals.map((p) => [p.branch, p.change.parent, !!p.change.sign])).toEqual([
        ['spin/image-updates', 'head', true],
      ]);
      expect(proposals[0]?.change.files).toEqual({ 'compose.yaml': STACK.replace('web:1.4.0', 'web:1.4.3') });
    });
  });
});
