/**
 * Private repositories (issue #17): the real daemon against the real git server with
 * authentication switched on, on the real engine.
 * - Without credentials the project reports SourceUnavailable saying access was refused and
 *   what to set; with a token file (bearer) or a user name and password file (basic) it deploys.
 * - A wrong token is reported as refused, naming the file, never the token.
 * - Credentials inline in the URL keep working, with a warning, redacted.
 * - A token kept in the project's secret store (git.tokenSecret): missing, the status says which
 *   `spin secret set` to run; set, it deploys without a config change.
 * - No credential ever shows in `spin status --json`, the API's project JSON or the daemon's
 *   log output.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listProjectContainers,
  removeProject,
  requireDocker,
  uniqueProject,
  waitFor,
} from '../helpers/docker.js';
import {
  cloneWorkingCopy,
  createRepo,
  runGit,
  startGitServer,
  type GitServer,
  type WorkingCopy,
} from '../helpers/git-server.js';
import { markedStack } from '../helpers/project-fixture.js';
import {
  runSpin,
  spinJson,
  startDaemon,
  writeConfig,
  type RunningDaemon,
  type TestConfig,
} from '../helpers/spin-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

const TOKEN = 'spin-test-bearer-2f9c1e7a5b';
const WRONG_TOKEN = 'spin-test-wrong-8d3a6c0e4f';
const PASSWORD = 'spin-test-password-71b0d9';

let tmp: string;
let bearerServer: GitServer;
let basicServer: GitServer;
let daemon: RunningDaemon | undefined;
let configFile: string;
const projects = {
  bearer: uniqueProject('privb'),
  basic: uniqueProject('privp'),
  inline: uniqueProject('privi'),
  stored: uniqueProject('privs'),
};
const copies: Record<string, WorkingCopy> = {};
const bares: Record<string, string> = {};
const tokenFile = () => path.join(tmp, 'git.token');
const passwordFile = () => path.join(tmp, 'git.password');

/** Commits a stack straight into the bare repository (the server would want credentials). */
async function pushStack(name: string, mark: string): Promise<string> {
  return copies[name]!.commitAndPush({ 'compose.yaml': markedStack(mark) }, mark);
}

const statusOf = async (name: string) =>
  (await spinJson<ProjectStatus[]>(['status', '--config', configFile])).find((s) => s.project === name);

const waitStatus = async (name: string, until: (s: ProjectStatus) => boolean, description: string) =>
  (await waitFor(() => statusOf(name), {
    until: (s) => s !== undefined && until(s),
    timeoutMs: 90_000,
    intervalMs: 500,
    description,
  })) as ProjectStatus;

/** Every place a credential could surface: CLI JSON, the API, the daemon's output so far. */
async function everythingPrinted(): Promise<string> {
  const cli = await runSpin(['status', '--config', configFile, '--json']);
  const api = await Promise.all(
    Object.values(projects).map(async (name) =>
      (await fetch(`${daemon!.apiUrl}/api/v1/projects/${name}`)).text(),
    ),
  );
  return [cli.stdout, cli.stderr, ...api, daemon!.output()].join('\n');
}

function config(projectsConfig: Record<string, unknown>[]): TestConfig {
  return { stateDir: path.join(tmp, 'state'), pollInterval: '1s', projects: projectsConfig };
}

beforeAll(async () => {
  await requireDocker();
  tmp = await makeTempDir('privrepo');
  const root = path.join(tmp, 'git');
  bearerServer = await startGitServer(root, { auth: { token: TOKEN } });
  basicServer = await startGitServer(root, { auth: { username: 'deploy', password: PASSWORD } });
  for (const name of Object.values(projects)) {
    const bare = await createRepo(root, name);
    bares[name] = bare;
    copies[name] = await cloneWorkingCopy(bare, path.join(tmp, `work-${name}`));
  }
  await writeFile(tokenFile(), `${TOKEN}\n`);
  await writeFile(passwordFile(), `${PASSWORD}\n`);
  // First without credentials (the inline project has its own in the URL, and a wrong one).
  configFile = await writeConfig(
    path.join(tmp, 'spin.yaml'),
    config([{ name: projects.bearer, repo: bearerServer.repoUrl(projects.bearer) }]),
  );
  daemon = await startDaemon(configFile);
}, 60_000);

afterAll(async () => {
  await daemon?.stop().catch(() => {});
  for (const name of Object.values(projects)) await removeProject(name);
  await bearerServer?.stop().catch(() => {});
  await basicServer?.stop().catch(() => {});
  if (tmp) await removeTempDir(tmp);
});

describe('private repositories', () => {
  it('without credentials: a clear refused-access status; with a token file: deployed', async () => {
    const first = await pushStack(projects.bearer, 'bearer-1');
    const refused = await waitStatus(
      projects.bearer,
      (s) => s.lastError?.reason === 'SourceUnavailable',
      'unauthorised without credentials',
    );
    expect(refused.lastError?.message).toMatch(
      /refused access \(HTTP 401.*no credentials were sent; set the project's git\.tokenFile/,
    );
    expect(refused.appliedCommit).not.toBe(first);

    await writeConfig(
      configFile,
      config([
        {
          name: projects.bearer,
          repo: bearerServer.repoUrl(projects.bearer),
          git: { tokenFile: tokenFile() },
        },
      ]),
    );
    await waitStatus(
      projects.bearer,
      (s) => s.appliedCommit === first && s.sync === 'Synced',
      'deployed with the token',
    );
    const [app] = await listProjectContainers(projects.bearer);
    expect(app?.labels['spin.commit']).toBe(first);
    // The default commit status (a git note pushed to the same private repository) gets through
    // with the same credentials.
    const note = await waitFor(
      () =>
        runGit(['--git-dir', bares[projects.bearer]!, 'notes', '--ref=spin', 'show', first]).catch(() => ''),
      {
        until: (n) => n.includes('"success"'),
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'status note',
      },
    );
    expect(note).toContain(`spin/${projects.bearer}`);
    expect(await everythingPrinted()).not.toContain(TOKEN);
  });

  it('a rotated token file is used without a reload: a wrong one is refused, naming the file, never the token; a fixed one deploys', async () => {
    // No config change: the daemon notices the file changed at its next request.
    const before = daemon!.logs.filter((l) => l.msg === 'config reloaded').length;
    await writeFile(tokenFile(), `${WRONG_TOKEN}\n`);
    const second = await pushStack(projects.bearer, 'bearer-2');
    const refused = await waitStatus(
      projects.bearer,
      (s) => s.lastError?.message.includes('were refused') === true,
      'refused with the wrong token',
    );
    expect(refused.lastError?.message).toContain(`the credentials from ${tokenFile()} were refused`);
    expect(refused.appliedCommit).not.toBe(second);
    expect(await everythingPrinted()).not.toContain(WRONG_TOKEN);

    await writeFile(tokenFile(), `${TOKEN}\n`);
    await waitStatus(
      projects.bearer,
      (s) => s.appliedCommit === second && s.sync === 'Synced',
      'deployed again',
    );
    expect(daemon!.logs.filter((l) => l.msg === 'config reloaded').length).toBe(before);
  });

  it('basic credentials from a password file deploy; inline URL credentials work, warned, redacted', async () => {
    const basic = await pushStack(projects.basic, 'basic-1');
    const inline = await pushStack(projects.inline, 'inline-1');
    const inlineUrl = basicServer.repoUrl(projects.inline).replace('//', `//deploy:${PASSWORD}@`);
    await writeConfig(
      configFile,
      config([
        {
          name: projects.bearer,
          repo: bearerServer.repoUrl(projects.bearer),
          git: { tokenFile: tokenFile() },
        },
        {
          name: projects.basic,
          repo: basicServer.repoUrl(projects.basic),
          git: { username: 'deploy', passwordFile: passwordFile() },
        },
        { name: projects.inline, repo: inlineUrl },
      ]),
    );
    await waitStatus(
      projects.basic,
      (s) => s.appliedCommit === basic && s.sync === 'Synced',
      'basic deployed',
    );
    await waitStatus(
      projects.inline,
      (s) => s.appliedCommit === inline && s.sync === 'Synced',
      'inline deployed',
    );
    const warning = await daemon!.waitForLog(
      (e) => typeof e.msg === 'string' && e.msg.includes('config.repo-credentials'),
      'inline credentials warning',
    );
    expect(warning.msg).toContain(`project '${projects.inline}' has credentials inline`);
    const printed = await everythingPrinted();
    expect(printed).not.toContain(PASSWORD);
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain(Buffer.from(`deploy:${PASSWORD}`).toString('base64'));
  });

  it('a token from the secret store: refused naming the command to run until it is set, then deployed', async () => {
    const stored = await pushStack(projects.stored, 'stored-1');
    await writeConfig(
      configFile,
      config([
        {
          name: projects.bearer,
          repo: bearerServer.repoUrl(projects.bearer),
          git: { tokenFile: tokenFile() },
        },
        {
          name: projects.stored,
          repo: bearerServer.repoUrl(projects.stored),
          git: { tokenSecret: 'git_token' },
        },
      ]),
    );
    const missing = await waitStatus(
      projects.stored,
      (s) => s.lastError?.reason === 'SourceUnavailable',
      'refused while the secret is not set',
    );
    expect(missing.lastError?.message).toContain(`spin secret set ${projects.stored} git_token`);
    const set = await runSpin(['secret', 'set', projects.stored, 'git_token', '--config', configFile], {
      input: TOKEN,
    });
    expect(set.code, set.stderr).toBe(0);
    await waitStatus(
      projects.stored,
      (s) => s.appliedCommit === stored && s.sync === 'Synced',
      'deployed with the stored token',
    );
    expect(await everythingPrinted()).not.toContain(TOKEN);
  });
});
