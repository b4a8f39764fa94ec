import type { ContainerView, HistoryEntry } from '../../../src/dashboard/index.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';

/** Fixed data for the dashboard tests (unit and browser): one healthy project, one refused commit. */
export const NOW = Date.parse('2026-03-01T12:00:00.000Z');
export const minutesAgo = (m: number, now = NOW) => new Date(now - m * 60_000).toISOString();

export const GOOD_SHA = '1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c';
export const OLD_SHA = '0a0b0c0d0e0f10111213141516171819aabbccdd';
export const BAD_SHA = 'deadbeefcafef00d1234567890abcdef12345678';

/** `now` lets the browser test anchor the ages to the real clock. */
export function syncedStatus(now = NOW): ProjectStatus {
  return {
    project: 'gateway-a',
    sync: 'Synced',
    health: 'Healthy',
    healthReason: '',
    services: { web: { health: 'Healthy', reason: '' }, db: { health: 'Healthy', reason: '' } },
    desiredCommit: GOOD_SHA,
    appliedCommit: GOOD_SHA,
    lastReconcile: minutesAgo(3, now),
    lastResult: 'converged',
    lastPlan: { created: 0, recreated: 0, started: 0, removed: 0, networks: 0, volumes: 0 },
    lastDurationMs: 420,
  };
}

export function refusedStatus(now = NOW): ProjectStatus {
  return {
    project: 'gateway-b',
    sync: 'OutOfSync',
    health: 'Healthy',
    healthReason: '',
    services: { api: { health: 'Healthy', reason: '' } },
    desiredCommit: BAD_SHA,
    appliedCommit: OLD_SHA,
    refusedCommit: BAD_SHA,
    lastError: {
      reason: 'InvalidCommit',
      message: 'compose.yaml:4:5: policy.privileged: <script>alert("pwned")</script> is not allowed',
      commit: BAD_SHA,
      diagnostics: [
        {
          file: 'compose.yaml',
          line: 4,
          column: 5,
          rule: 'policy.privileged',
          message: 'privileged <b>containers</b> are refused',
          path: 'services.api.privileged',
        },
      ],
      at: minutesAgo(90, now),
    },
    lastReconcile: minutesAgo(1, now),
    lastResult: 'refused',
    lastDurationMs: 35,
  };
}

export function containersOf(status: ProjectStatus): ContainerView[] {
  return Object.keys(status.services).map((service) => ({
    name: `${status.project}_${service}_1`,
    service,
    state: 'running',
    health: 'healthy',
    image: `spin-test/${service}:1`,
    commit: status.appliedCommit ?? '',
  }));
}

export function historyOf(status: ProjectStatus, now = NOW): HistoryEntry[] {
  return [
    {
      startedAt: status.lastReconcile ?? minutesAgo(1, now),
      commit: status.desiredCommit,
      result: status.lastResult ?? 'converged',
      sync: status.sync,
      health: status.health,
      durationMs: status.lastDurationMs ?? 0,
      actions: [],
      ...(status.lastError
        ? { error: { reason: status.lastError.reason, message: status.lastError.message } }
        : {}),
    },
    {
      startedAt: minutesAgo(120, now),
      commit: status.appliedCommit,
      result: 'applied',
      sync: 'Synced',
      health: 'Healthy',
      durationMs: 2300,
      actions: [
        { kind: 'create', name: `${status.project}_web_1`, ok: true, durationMs: 800 },
        { kind: 'create', name: `${status.project}-db-1`, ok: false, durationMs: 80, error: 'boom' },
      ],
    },
  ];
}
