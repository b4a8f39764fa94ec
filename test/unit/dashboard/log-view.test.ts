import { describe, expect, it } from 'vitest';
import { renderProjectPage } from '../../../src/dashboard/index.js';
import { unbalancedTags } from './html-check.js';
import { NOW, containersOf, historyOf, syncedStatus } from './fixtures.js';

const synced = syncedStatus();

function section(html: string, id: string): string {
  const m = new RegExp(`<section[^>]*aria-labelledby="${id}-h"[\\s\\S]*?</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[0];
}

describe('the project page: logs and the next deploy', () => {
  const page = renderProjectPage(synced, containersOf(synced), historyOf(synced), undefined, {
    now: NOW,
    logs: { web: 'web-1  | listening <on> :80\nweb-2  | ready\n', db: '' },
    diff: [
      {
        service: 'web',
        change: 'recreate',
        replicas: { from: 2, to: 2 },
        fields: [
          { field: 'image', change: 'changed', from: 'spin-test/web:1', to: 'spin-test/web:2' },
          { field: 'environment.TOKEN', change: 'added' },
        ],
      },
      { service: 'db', change: 'none', replicas: { from: 1, to: 1 }, fields: [] },
    ],
  });

  it("shows each service's last lines escaped, with a follow switch the script reads", () => {
    const logs = section(page, 'logs');
    expect(logs).toContain('<input type="checkbox" data-follow-logs>');
    expect(logs).toContain('data-logs="web"');
    expect(logs).toContain('web-1  | listening &lt;on&gt; :80\nweb-2  | ready');
    expect(logs).toMatch(/data-logs="db"[^>]*>\(nothing printed\)<\/pre>/);
    expect(logs.indexOf('data-logs="db"')).toBeLessThan(logs.indexOf('data-logs="web"'));
    expect(unbalancedTags(page)).toEqual([]);
  });

  it("lists the next deploy's changes per service in spin diff's words, skipping unchanged services", () => {
    const diff = section(page, 'diff');
    expect(diff).toContain('web: recreate');
    expect(diff).toContain('<code>image spin-test/web:1 -&gt; spin-test/web:2</code>');
    expect(diff).toContain('<code>environment.TOKEN added</code>');
    expect(diff).not.toContain('db:');
  });

  it('has neither section when nothing is given or nothing changes', () => {
    const plain = renderProjectPage(synced, containersOf(synced), historyOf(synced), undefined, {
      now: NOW,
      diff: [{ service: 'db', change: 'none', replicas: { from: 1, to: 1 }, fields: [] }],
    });
    expect(plain).not.toContain('aria-labelledby="logs-h"');
    expect(plain).not.toContain('aria-labelledby="diff-h"');
  });
});
