import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { callApi } from '../helpers/api-client.js';
import { listProjectContainers } from '../helpers/docker.js';
import {
  markedStack,
  projectFixture,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { runSpin, type RunningDaemon } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

/**
 * projects.d/*.yaml beside the config file, on the real daemon, git server and engine: a file
 * added there deploys its project without a restart, a file removed drops its project (as
 * removing it from the main file does), a bad file is refused like a bad main file; and
 * `spin config check` over the same folder.
 */
/** Generous: the machine is shared and loaded; a reload normally takes well under a second. */
const RELOAD_MS = 60_000;

let f: ProjectFixture;
let api: string;
let extra: ExtraRepo;
let projectsDir: string;

const daemon = (): RunningDaemon => {
  if (!f.daemon) throw new Error('no daemon');
  return f.daemon;
};
const listed = async () =>
  (await callApi<{ projects: ProjectStatus[] }>(api, 'GET', '/api/v1/projects')).body.projects.map(
    (p) => p.project,
  );
const writeProjectsFile = (name: string, projects: Record<string, unknown>[] | string) =>
  writeFile(path.join(projectsDir, name), typeof projects === 'string' ? projects : stringify({ projects }));

beforeAll(async () => {
  f = await projectFixture('pdir');
  projectsDir = path.join(f.tmp, 'projects.d');
  const first = await f.push({ 'compose.yaml': markedStack('main') }, 'main project');
  extra = await f.addRepo('pdir2');
  api = (await f.startDaemon()).apiUrl;
  await f.waitStatus((s) => s.appliedCommit === first && s.health === 'Healthy', 'main project healthy');
});

afterAll(() => f?.cleanup());

describe('projects.d on a running daemon', () => {
  it('a new file there deploys its project without a restart', async () => {
    const sha = await extra.push({ 'compose.yaml': markedStack('extra') }, 'extra project');
    const pid = daemon().child.pid;
    // The folder does not exist when the daemon starts: creating it is seen too.
    await mkdir(projectsDir);
    await writeProjectsFile('20-extra.yaml', [{ name: extra.project, repo: extra.repoUrl }]);
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && JSON.stringify(l.added) === JSON.stringify([extra.project]),
      'the reload adding the projects.d project',
      RELOAD_MS,
    );
    await f.waitStatusOf(
      extra.project,
      (s) => s.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      'projects.d project deployed',
      60_000,
    );
    const containers = await listProjectContainers(extra.project);
    expect(containers.map((c) => [c.name, c.state, c.labels['spin.commit']])).toEqual([
      [`${extra.project}_app_1`, 'running', sha],
    ]);
    expect(daemon().child.pid).toBe(pid);
    expect((await listed()).sort()).toEqual([f.project, extra.project].sort());
  });

  it('a bad projects.d file is refused and logged, located in that file; the running config stays', async () => {
    await writeProjectsFile('30-bad.yaml', [
      { name: f.project, repo: extra.repoUrl },
      { name: 'another', repo: extra.repoUrl, brnach: 'main' },
    ]);
    const refusal = await daemon().waitForLog(
      (l) =>
        l.msg === 'config change refused; keeping the running config' &&
        JSON.stringify(l.errors).includes('30-bad.yaml'),
      'the refusal of the bad projects.d file',
      RELOAD_MS,
    );
    const errors = JSON.stringify(refusal.errors);
    expect(errors).toMatch(
      /projects\.d\/30-bad\.yaml:\d+:\d+: config\.additionalProperties: unknown key 'brnach'/,
    );
    expect(errors).toContain("did you mean 'branch'?");
    expect(daemon().child.exitCode).toBeNull();
    expect((await listed()).sort()).toEqual([f.project, extra.project].sort());

    // Fixed (the duplicate dropped, the key spelt right): reloaded with just that project added.
    const fixed = `${f.project}-x`;
    await writeProjectsFile('30-bad.yaml', [{ name: fixed, repo: extra.repoUrl, suspended: true }]);
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && JSON.stringify(l.added) === JSON.stringify([fixed]),
      'the reload of the fixed file',
      RELOAD_MS,
    );
    await rm(path.join(projectsDir, '30-bad.yaml'));
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && JSON.stringify(l.removed) === JSON.stringify([`${f.project}-x`]),
      'the reload dropping the suspended project',
      RELOAD_MS,
    );
  });

  it('removing the file drops its project: no longer reconciled or reported; its containers stay', async () => {
    await rm(path.join(projectsDir, '20-extra.yaml'));
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && JSON.stringify(l.removed) === JSON.stringify([extra.project]),
      'the reload removing the projects.d project',
      RELOAD_MS,
    );
    expect(await listed()).toEqual([f.project]);
    const gone = await callApi(api, 'GET', `/api/v1/projects/${extra.project}`);
    expect(gone.status).toBe(404);
    // As for a project removed from the main file: Spin stops managing it, it does not tear it down.
    expect((await listProjectContainers(extra.project)).map((c) => c.state)).toEqual(['running']);
  });
});

describe('spin config check', () => {
  it('exits 0 on a valid config and lists where each project comes from', async () => {
    await writeProjectsFile('40-check.yaml', [{ name: 'check-a', repo: extra.repoUrl, suspended: true }]);
    const human = await runSpin(['config', 'check', '--config', f.configFile]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(': valid (2 projects from ');
    const json = await runSpin(['config', 'check', '--config', f.configFile, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: true,
      projects: [
        { name: f.project, file: f.configFile },
        { name: 'check-a', file: path.join(projectsDir, '40-check.yaml') },
      ],
      errors: [],
    });
  });

  it('exits 1 on a duplicate across files, naming both, and on a misspelt key, with a hint', async () => {
    await writeProjectsFile('50-dup.yaml', [{ name: 'check-a', repo: extra.repoUrl }]);
    const dup = await runSpin(['config', 'check', '--config', f.configFile]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(
      /50-dup\.yaml:2:\d+: config\.duplicate-project: project 'check-a' is defined in both \S*40-check\.yaml:2:\d+ and \S*50-dup\.yaml:2:\d+/,
    );
    await writeProjectsFile('50-dup.yaml', [{ name: 'check-b', repo: extra.repoUrl, polcy: 'spin-default' }]);
    const json = await runSpin(['config', 'check', '--config', f.configFile, '--json']);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as {
      valid: boolean;
      errors: { file: string; rule: string; message: string }[];
    };
    expect(out.valid).toBe(false);
    expect(out.errors).toEqual([
      expect.objectContaining({
        file: path.join(projectsDir, '50-dup.yaml'),
        rule: 'config.additionalProperties',
        message: "unknown key 'polcy' in projects.0 (did you mean 'policy'?)",
      }),
    ]);
  });

  it('exits 2 when the config file cannot be read', async () => {
    const missing = await runSpin(['config', 'check', '--config', path.join(f.tmp, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('config.read');
  });

  it('a running daemon refuses the same broken folder and carries on', async () => {
    // The misspelt 50-dup.yaml of the previous test reached the daemon too.
    await daemon().waitForLog(
      (l) =>
        l.msg === 'config change refused; keeping the running config' &&
        JSON.stringify(l.errors).includes("'polcy'"),
      'the daemon refusing the misspelt key',
      RELOAD_MS,
    );
    expect(daemon().child.exitCode).toBeNull();
    expect(await listed()).toContain(f.project);
    await rm(path.join(projectsDir, '50-dup.yaml'));
    await rm(path.join(projectsDir, '40-check.yaml'));
  });
});
