import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { statusCells } from '../../../src/dashboard/cells.js';
import { CLIENT_RENDERERS, CLIENT_SCRIPT } from '../../../src/dashboard/client-script.js';
import { DASHBOARD_HEADERS, renderProjectList } from '../../../src/dashboard/index.js';
import { STYLES } from '../../../src/dashboard/styles.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';
import { NOW, minutesAgo, refusedStatus, syncedStatus } from './fixtures.js';

type ClientCells = (status: ProjectStatus, now: number) => Record<string, string>;

function clientRenderer(): ClientCells {
  const context = vm.createContext({});
  vm.runInContext(`${CLIENT_RENDERERS}\nthis.statusCells = statusCells;`, context);
  return context.statusCells as ClientCells;
}

const variants: [string, ProjectStatus][] = [
  ['synced', syncedStatus()],
  ['refused', refusedStatus()],
  [
    'never reconciled',
    { project: 'p', sync: 'Unknown', health: 'Unknown', healthReason: 'not reconciled yet', services: {} },
  ],
  [
    'suspended and degraded',
    { ...syncedStatus(), suspended: true, health: 'Degraded', healthReason: 'p_web_1 exited with code 1' },
  ],
  [
    'progressing, head ahead',
    {
      ...syncedStatus(),
      health: 'Progressing',
      desiredCommit: 'f'.repeat(40),
      lastReconcile: minutesAgo(60 * 30),
    },
  ],
  [
    'error without commit',
    {
      ...refusedStatus(),
      refusedCommit: undefined,
      lastError: { reason: 'EngineUnavailable', message: "it's <down> & out", at: minutesAgo(1) },
    },
  ],
  ['unknown enum values', { ...syncedStatus(), sync: 'Weird' as never, health: '<b>' as never }],
];

describe('client script', () => {
  it.each(variants)('renders the same cells as the server: %s', (_, status) => {
    const client = clientRenderer();
    const server = Object.fromEntries(Object.entries(statusCells(status, NOW)).map(([k, v]) => [k, v.value]));
    expect(client(status, NOW)).toEqual(server);
  });

  it('is safe to inline: no closing script tag, and its hash is the one in the CSP', () => {
    expect(CLIENT_SCRIPT).not.toMatch(/<\/script/i);
    const page = renderProjectList([syncedStatus()], { now: NOW });
    expect(page).toContain(`<script>${CLIENT_SCRIPT}</script>`);
    expect(page).toContain(`<style>${STYLES}</style>`);
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(DASHBOARD_HEADERS['content-security-policy']).toContain(`script-src ${hash(CLIENT_SCRIPT)}`);
    expect(DASHBOARD_HEADERS['content-security-policy']).toContain(`style-src ${hash(STYLES)}`);
  });

  it('parses as a script', () => {
    expect(() => new vm.Script(CLIENT_SCRIPT)).not.toThrow();
  });
});
