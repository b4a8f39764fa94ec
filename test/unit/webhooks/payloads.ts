/**
 * Webhook bodies shaped like the forges' documented examples (GitHub "push" and "ping",
 * Gitea's push example from its webhook docs, GitLab's "Push Hook" and "Merge Request Hook"),
 * trimmed of fields Spin never reads but keeping the neighbours a parser could trip over.
 */
export const AFTER = 'bffeb74224043ba2feb48d137756c8a9331c449a';
export const BEFORE = '28e1879d029cb852e4844d9c718537df08844e03';

export const githubPush = {
  ref: 'refs/heads/main',
  before: BEFORE,
  after: AFTER,
  created: false,
  deleted: false,
  forced: false,
  base_ref: null,
  compare: `https://github.com/Octo-Org/Gateway-A/compare/${BEFORE.slice(0, 12)}...${AFTER.slice(0, 12)}`,
  commits: [
    {
      id: AFTER,
      tree_id: 'f9d2a07e9488b91af2641b26b9407fe22a451433',
      distinct: true,
      message: 'Scale the worker to 3',
      timestamp: '2024-05-02T10:11:12+02:00',
      url: `https://github.com/Octo-Org/Gateway-A/commit/${AFTER}`,
      author: { name: 'Researcher', email: 'r@example.org', username: 'researcher' },
      committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
      added: [],
      removed: [],
      modified: ['deploy/compose.yaml'],
    },
  ],
  head_commit: { id: AFTER, message: 'Scale the worker to 3' },
  repository: {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name: 'Gateway-A',
    full_name: 'Octo-Org/Gateway-A',
    private: false,
    owner: { name: 'Octo-Org', login: 'Octo-Org' },
    html_url: 'https://github.com/Octo-Org/Gateway-A',
    url: 'https://github.com/Octo-Org/Gateway-A',
    git_url: 'git://github.com/Octo-Org/Gateway-A.git',
    ssh_url: 'git@github.com:Octo-Org/Gateway-A.git',
    clone_url: 'https://github.com/Octo-Org/Gateway-A.git',
    svn_url: 'https://github.com/Octo-Org/Gateway-A',
    default_branch: 'main',
    master_branch: 'main',
  },
  pusher: { name: 'researcher', email: 'r@example.org' },
  sender: { login: 'researcher', id: 583231 },
};

export const githubPing = {
  zen: 'Keep it logically awesome.',
  hook_id: 123456,
  hook: { type: 'Repository', id: 123456, events: ['push', 'pull_request'], active: true },
  repository: githubPush.repository,
  sender: { login: 'researcher', id: 583231 },
};

export const githubPullRequest = {
  action: 'synchronize',
  number: 42,
  before: BEFORE,
  after: AFTER,
  pull_request: {
    number: 42,
    state: 'open',
    title: 'Add a worker',
    head: { label: 'fork:feature', ref: 'feature', sha: AFTER, repo: { full_name: 'fork/Gateway-A' } },
    base: { label: 'Octo-Org:main', ref: 'main', sha: BEFORE },
  },
  repository: githubPush.repository,
};

/** From Gitea's webhook documentation (push event), with Forgejo's identical shape. */
export const giteaPush = {
  ref: 'refs/heads/develop',
  before: BEFORE,
  after: AFTER,
  compare_url: `http://localhost:3000/gitea/webhooks/compare/${BEFORE}...${AFTER}`,
  commits: [
    {
      id: AFTER,
      message: 'Webhooks Yay!',
      url: `http://localhost:3000/gitea/webhooks/commit/${AFTER}`,
      author: { name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' },
      committer: { name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' },
      timestamp: '2017-03-13T13:52:11-04:00',
    },
  ],
  repository: {
    id: 140,
    owner: { id: 1, login: 'gitea', full_name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' },
    name: 'webhooks',
    full_name: 'gitea/webhooks',
    description: '',
    private: false,
    fork: false,
    html_url: 'http://localhost:3000/gitea/webhooks',
    ssh_url: 'ssh://gitea@localhost:2222/gitea/webhooks.git',
    clone_url: 'http://localhost:3000/gitea/webhooks.git',
    default_branch: 'master',
  },
  pusher: { id: 1, login: 'gitea', username: 'gitea' },
  sender: { id: 1, login: 'gitea', username: 'gitea' },
};

/** GitLab "Push Hook" (webhook events documentation). */
export const gitlabPush = {
  object_kind: 'push',
  event_name: 'push',
  before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
  after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
  ref: 'refs/heads/master',
  ref_protected: true,
  checkout_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
  user_id: 4,
  user_name: 'John Smith',
  user_username: 'jsmith',
  project_id: 15,
  project: {
    id: 15,
    name: 'Diaspora',
    description: '',
    web_url: 'http://example.com/mike/diaspora',
    avatar_url: null,
    git_ssh_url: 'git@example.com:mike/diaspora.git',
    git_http_url: 'http://example.com/mike/diaspora.git',
    namespace: 'Mike',
    visibility_level: 0,
    path_with_namespace: 'mike/diaspora',
    default_branch: 'master',
    homepage: 'http://example.com/mike/diaspora',
    url: 'git@example.com:mike/diaspora.git',
    ssh_url: 'git@example.com:mike/diaspora.git',
    http_url: 'http://example.com/mike/diaspora.git',
  },
  repository: {
    name: 'Diaspora',
    url: 'git@example.com:mike/diaspora.git',
    description: '',
    homepage: 'http://example.com/mike/diaspora',
    git_http_url: 'http://example.com/mike/diaspora.git',
    git_ssh_url: 'git@example.com:mike/diaspora.git',
    visibility_level: 0,
  },
  commits: [
    {
      id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      message: 'fixed readme',
      timestamp: '2012-01-03T23:36:29+02:00',
      url: 'http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      author: { name: 'GitLab dev user', email: 'gitlabdev@dv6700.(none)' },
      added: ['CHANGELOG'],
      modified: ['app/controller/application.rb'],
      removed: [],
    },
  ],
  total_commits_count: 1,
};

/** GitLab "Merge Request Hook". */
export const gitlabMergeRequest = {
  object_kind: 'merge_request',
  event_type: 'merge_request',
  user: { id: 1, name: 'Administrator', username: 'root' },
  project: gitlabPush.project,
  repository: gitlabPush.repository,
  object_attributes: {
    id: 99,
    iid: 1,
    target_branch: 'master',
    source_branch: 'ms-viewport',
    source_project_id: 14,
    target_project_id: 15,
    state: 'opened',
    title: 'MS-Viewport',
    action: 'update',
    oldrev: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    last_commit: {
      id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      message: 'fixed readme',
      url: 'http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    },
  },
};
