import { describe, expect, it } from 'vitest';
import { parsePushEvent } from '../../../src/webhooks/parse.js';
import {
  AFTER,
  githubPing,
  githubPullRequest,
  githubPush,
  giteaPush,
  gitlabMergeRequest,
  gitlabPush,
} from './payloads.js';

describe('parsePushEvent: GitHub', () => {
  it('reads a branch push', () => {
    expect(parsePushEvent('github', { 'x-github-event': 'push' }, githubPush)).toEqual({
      kind: 'push',
      ref: 'refs/heads/main',
      after: AFTER,
      deleted: false,
      repoUrls: [
        'https://github.com/Octo-Org/Gateway-A.git',
        'https://github.com/Octo-Org/Gateway-A',
        'git@github.com:Octo-Org/Gateway-A.git',
        'git://github.com/Octo-Org/Gateway-A.git',
      ],
    });
  });

  it('reads a ping', () => {
    expect(parsePushEvent('github', { 'X-GitHub-Event': 'ping' }, githubPing)).toMatchObject({
      kind: 'ping',
    });
  });

  it('reads a branch deletion', () => {
    const deleted = { ...githubPush, after: '0'.repeat(40), deleted: true };
    expect(parsePushEvent('github', { 'x-github-event': 'push' }, deleted)).toMatchObject({
      kind: 'push',
      deleted: true,
    });
  });

  it('turns a synchronised pull request into its refs/pull head', () => {
    expect(parsePushEvent('github', { 'x-github-event': 'pull_request' }, githubPullRequest)).toMatchObject({
      kind: 'push',
      ref: 'refs/pull/42/head',
      after: AFTER,
      pullRequest: 42,
    });
    const closed = { ...githubPullRequest, action: 'closed' };
    expect(parsePushEvent('github', { 'x-github-event': 'pull_request' }, closed)).toMatchObject({
      kind: 'ignored',
      reason: 'pull request closed',
    });
  });

  it('ignores tags, other events and malformed bodies', () => {
    const tag = { ...githubPush, ref: 'refs/tags/v1.0' };
    expect(parsePushEvent('github', { 'x-github-event': 'push' }, tag)).toMatchObject({ kind: 'ignored' });
    expect(parsePushEvent('github', { 'x-github-event': 'issues' }, githubPush)).toMatchObject({
      kind: 'ignored',
      reason: 'event issues',
    });
    expect(parsePushEvent('github', {}, githubPush)).toMatchObject({ kind: 'ignored' });
    expect(parsePushEvent('github', { 'x-github-event': 'push' }, null)).toMatchObject({ kind: 'ignored' });
    expect(
      parsePushEvent('github', { 'x-github-event': 'push' }, { ref: 'refs/heads/main', after: 'HEAD' }),
    ).toMatchObject({
      kind: 'ignored',
    });
  });
});

describe('parsePushEvent: Gitea and Forgejo', () => {
  it('reads the documented push', () => {
    expect(parsePushEvent('gitea', { 'x-gitea-event': 'push', 'x-github-event': 'push' }, giteaPush)).toEqual(
      {
        kind: 'push',
        ref: 'refs/heads/develop',
        after: AFTER,
        deleted: false,
        repoUrls: [
          'http://localhost:3000/gitea/webhooks.git',
          'http://localhost:3000/gitea/webhooks',
          'ssh://gitea@localhost:2222/gitea/webhooks.git',
        ],
      },
    );
  });

  it("reads Forgejo's event header and Gitea's 'synchronized'", () => {
    expect(parsePushEvent('gitea', { 'x-forgejo-event': 'push' }, giteaPush)).toMatchObject({ kind: 'push' });
    const pr = { ...githubPullRequest, action: 'synchronized', repository: giteaPush.repository };
    expect(parsePushEvent('gitea', { 'x-gitea-event': 'pull_request' }, pr)).toMatchObject({
      kind: 'push',
      ref: 'refs/pull/42/head',
    });
  });
});

describe('parsePushEvent: GitLab', () => {
  it('reads a Push Hook with the project and repository URLs', () => {
    const event = parsePushEvent('gitlab', { 'x-gitlab-event': 'Push Hook' }, gitlabPush);
    expect(event).toMatchObject({
      kind: 'push',
      ref: 'refs/heads/master',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      deleted: false,
    });
    expect(event.repoUrls).toEqual(
      expect.arrayContaining(['http://example.com/mike/diaspora.git', 'git@example.com:mike/diaspora.git']),
    );
  });

  it('reads a system hook push and a merge request update', () => {
    expect(parsePushEvent('gitlab', { 'x-gitlab-event': 'System Hook' }, gitlabPush)).toMatchObject({
      kind: 'push',
    });
    expect(
      parsePushEvent('gitlab', { 'x-gitlab-event': 'Merge Request Hook' }, gitlabMergeRequest),
    ).toMatchObject({
      kind: 'push',
      ref: 'refs/merge-requests/1/head',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      pullRequest: 1,
    });
  });

  it('ignores tag pushes and merged requests', () => {
    const tag = { ...gitlabPush, object_kind: 'tag_push', ref: 'refs/tags/v1' };
    expect(parsePushEvent('gitlab', { 'x-gitlab-event': 'Tag Push Hook' }, tag)).toMatchObject({
      kind: 'ignored',
    });
    const merged = {
      ...gitlabMergeRequest,
      object_attributes: { ...gitlabMergeRequest.object_attributes, action: 'merge' },
    };
    expect(parsePushEvent('gitlab', { 'x-gitlab-event': 'Merge Request Hook' }, merged)).toMatchObject({
      kind: 'ignored',
    });
  });
});
