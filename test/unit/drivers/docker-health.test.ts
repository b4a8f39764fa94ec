import { describe, expect, it } from 'vitest';
import { projectHealth, serviceHealth } from '../../../src/drivers/docker/health.js';
import { container, model, service } from '../reconciler/fixtures.js';

const P = 'p';

describe('serviceHealth', () => {
  const web = service('web', { replicas: 2 });
  it.each([
    ['all replicas running', [container(P, web, 1), container(P, web, 2)], 'Healthy'],
    ['no containers', [], 'Missing'],
    ['one replica missing', [container(P, web, 1)], 'Progressing'],
    [
      'a healthcheck still starting',
      [container(P, web, 1), container(P, web, 2, { health: 'starting' })],
      'Progressing',
    ],
    [
      'an unhealthy replica',
      [container(P, web, 1), container(P, web, 2, { health: 'unhealthy' })],
      'Degraded',
    ],
    [
      'a replica that crashed',
      [container(P, web, 1), container(P, web, 2, { state: 'exited', exitCode: 1 })],
      'Degraded',
    ],
    ['a paused replica', [container(P, web, 1), container(P, web, 2, { state: 'paused' })], 'Degraded'],
    ['extra replicas beyond the desired count are not counted', [container(P, web, 3)], 'Missing'],
  ] as const)('%s → %s', (_name, containers, expected) => {
    expect(serviceHealth(web, [...containers]).health).toBe(expected);
  });

  it('a finished job (exit 0) is healthy; any other service that exited 0 is not', () => {
    const job = service('job', { restart: 'no' });
    const exited = [container(P, job, 1, { state: 'exited', exitCode: 0 })];
    expect(serviceHealth(job, exited, true).health).toBe('Healthy');
    expect(serviceHealth(job, exited, false)).toEqual({
      health: 'Degraded',
      reason: 'p_job_1 exited with code 0',
    });
  });

  it('says which container is the problem', () => {
    const verdict = serviceHealth(web, [container(P, web, 1), container(P, web, 2, { health: 'unhealthy' })]);
    expect(verdict.reason).toBe('p_web_2 is unhealthy');
  });
});

describe('projectHealth', () => {
  it('is the worst service verdict, with that service’s reason', () => {
    const web = service('web');
    const db = service('db');
    const verdict = projectHealth(model(P, [web, db]), [
      container(P, web, 1, { state: 'exited', exitCode: 2 }),
    ]);
    expect(verdict.health).toBe('Degraded');
    expect(verdict.reason).toBe('p_web_1 exited with code 2');
    expect(verdict.services).toEqual({
      db: { health: 'Missing', reason: 'no containers for db' },
      web: { health: 'Degraded', reason: 'p_web_1 exited with code 2' },
    });
  });
});
