import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { docker, listProjectContainers, waitFor } from '../helpers/docker.js';
import { startExtraEngine, type ExtraEngine } from '../helpers/extra-engine.js';
import {
  projectFixture,
  sleeperStack,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { runSpin, writeConfig } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';
import { parseExposition, sampleValue } from '../unit/metrics/exposition.js';

/**
 * Two engines driven by one daemon: the host's (unix socket) and a second dockerd in its own
 * network namespace reached over TCP with TLS client certificates (test/helpers/extra-engine.ts).
 * One project on each. Stopping the second engine affects only its project (EngineUnavailable,
 * nothing changed); the host's project still repairs drift and /healthz stays 200; when the engine
 * is back its project converges without a restart. A client certificate from another CA, or a CA
 * that did not sign the engine's certificate, gives one clear line naming the engine.
 */
let lab: ExtraEngine | undefined;
let f: ProjectFixture;
let onLab: ExtraRepo;

const engineConfig = (tls: { ca: string; cert: string; key: string }) => ({
  host: { host: 'unix:///var/run/docker.sock' },
  lab: { host: lab?.tcp, tls },
});

async function labContainers(project: string): Promise<{ id: string; state: string }[]> {
  const out = await (lab as ExtraEngine).docker([
    'ps',
    '-a',
    '--filter',
    `label=spin.project=${project}`,
    '--format',
    '{{.ID}} {{.State}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', state = ''] = line.split(' ');
      return { id, state };
    });
}

const converged = (s: ProjectStatus) =>
  s.health === 'Healthy' && s.sync === 'Synced' && s.lastError === undefined && s.appliedCommit !== undefined;

beforeAll(async () => {
  lab = await startExtraEngine();
  f = await projectFixture('engines', { pollInterval: '1s' });
  onLab = await f.addRepo('engines-lab');
  await f.writeConfig({
    ...f.config,
    engines: engineConfig(lab.tls),
    defaultEngine: 'host',
    projects: [
      { name: f.project, repo: f.server.repoUrl(f.project) },
      { name: onLab.project, repo: onLab.repoUrl, engine: 'lab' },
    ],
  });
  await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper on the host engine');
  await onLab.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper on the lab engine');
  await f.startDaemon();
}, 300_000);

afterAll(async () => {
  await f?.cleanup();
  await lab?.remove();
}, 180_000);

describe('one daemon, two engines', () => {
  it('deploys each project on its own engine, and both converge', async () => {
    await f.waitStatus(converged, 'host project converged', 120_000);
    const labStatus = await f.waitStatusOf(onLab.project, converged, 'lab project converged', 120_000);
    expect(labStatus.engine).toBe('lab');
    expect((await f.status())?.engine).toBe('host');
    // Each on its own engine, and only there.
    expect((await listProjectContainers(f.project)).map((c) => c.state)).toEqual(['running']);
    expect(await listProjectContainers(onLab.project)).toEqual([]);
    expect((await labContainers(onLab.project)).map((c) => c.state)).toEqual(['running']);
    expect(await labContainers(f.project)).toEqual([]);
  }, 300_000);

  it('one engine down: only its project is EngineUnavailable; the other repairs drift; /healthz 200', async () => {
    const daemon = f.daemon;
    if (!daemon || !lab) throw new Error('no daemon');
    await lab.stop();
    const down = await f.waitStatusOf(
      onLab.project,
      (s) => s.lastError?.reason === 'EngineUnavailable',
      'lab project EngineUnavailable',
      120_000,
    );
    expect(down.lastError?.message).toMatch(/^lab: /);
    const line = (await runSpin(['status', '--config', f.configFile])).stdout;
    expect(line).toMatch(/EngineUnavailable: lab: /);

    // The host engine's project still converges: drift is repaired.
    const [before] = await listProjectContainers(f.project);
    await docker()
      .getContainer(before?.id ?? '')
      .remove({ force: true });
    await waitFor(() => listProjectContainers(f.project), {
      until: (list) => list.length === 1 && list[0]?.state === 'running' && list[0].id !== before?.id,
      timeoutMs: 120_000,
      description: 'host project repaired while the lab engine is down',
    });
    // The lab engine's outage never reaches the host project (a git poll may fail on its own,
    // e.g. a reset keep-alive socket on a loaded machine, and is retried at the next poll).
    const host = await f.status();
    expect(host?.lastError?.reason).not.toBe('EngineUnavailable');
    expect(host?.healthReason ?? '').not.toContain('lab');

    const healthz = await callApi(daemon.apiUrl, 'GET', '/healthz');
    expect(healthz.status).toBe(200);
    const readyz = await callApi<{ engines: Record<string, string> }>(daemon.apiUrl, 'GET', '/readyz');
    expect(readyz.status).toBe(200);
    expect(readyz.body.engines.host).toBe('ok');
    expect(readyz.body.engines.lab).not.toBe('ok');
    const metrics = parseExposition((await callApi(daemon.apiUrl, 'GET', '/metrics')).text);
    expect(sampleValue(metrics, 'spin_engine_up', { engine: 'lab' })).toBe(0);
    expect(sampleValue(metrics, 'spin_engine_up', { engine: 'host' })).toBe(1);
  }, 300_000);

  it('the engine back: its project converges without a restart', async () => {
    await lab?.start();
    const back = await f.waitStatusOf(onLab.project, converged, 'lab project converged again', 180_000);
    expect(back.engine).toBe('lab');
    await waitFor(() => labContainers(onLab.project), {
      until: (list) => list.length === 1 && list[0]?.state === 'running',
      timeoutMs: 120_000,
      description: 'lab project running again',
    });
  }, 300_000);
});

describe('TLS errors name the engine, in one line', () => {
  async function planWith(tls: { ca: string; cert: string; key: string }) {
    const file = `${f.tmp}/wrong-tls.yaml`;
    await writeConfig(file, {
      stateDir: `${f.tmp}/state-wrong`,
      engines: engineConfig(tls),
      defaultEngine: 'host',
      projects: [{ name: onLab.project, repo: onLab.repoUrl, engine: 'lab' }],
    });
    return runSpin(['plan', onLab.project, '--config', file]);
  }

  it('the right certificates plan (the engine answers)', async () => {
    const ok = await planWith((lab as ExtraEngine).tls);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  }, 120_000);

  it('a client certificate from another CA is refused by the engine: a clear error', async () => {
    const result = await planWith((lab as ExtraEngine).otherCaClient);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/engine 'lab': TLS: /);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);

  it('a CA that did not sign the engine certificate: a clear error saying to check tls.ca', async () => {
    const other = (lab as ExtraEngine).otherCaClient;
    const result = await planWith({
      ...(lab as ExtraEngine).tls,
      ca: other.ca.replace('ca.pem', 'other-ca.pem'),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/engine 'lab': TLS: the engine's certificate is not signed by tls\.ca/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
