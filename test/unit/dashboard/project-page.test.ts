import { describe, expect, it } from 'vitest';
import { renderNotFound, renderProjectPage, type PlanView } from '../../../src/dashboard/index.js';
import { describeAction } from '../../../src/dashboard/plan-view.js';
import { unbalancedTags } from './html-check.js';
import { BAD_SHA, NOW, OLD_SHA, containersOf, historyOf, refusedStatus, syncedStatus } from './fixtures.js';

const synced = syncedStatus();
const page = renderProjectPage(synced, containersOf(synced), historyOf(synced), undefined, { now: NOW });

function section(html: string, id: string): string {
  const m = new RegExp(`<section[^>]*aria-labelledby="${id}-h"[\\s\\S]*?</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[0];
}

describe('renderProjectPage', () => {
  it('is a well-formed document titled after the project, with a breadcrumb back to the list', () => {
    expect(page).toContain('<title>gateway-a · Spin</title>');
    expect(page).toContain('<h1>gateway-a</h1>');
    expect(page).toContain(
      '<li><a href="/">Projects</a></li><li><a href="#main" aria-current="page">gateway-a</a></li>',
    );
    expect(unbalancedTags(page)).toEqual([]);
  });

  it('polls the project endpoint and stamps the pass it shows', () => {
    expect(page).toContain(
      `<body data-view="project" data-api="/api/v1/projects/gateway-a" data-refresh-ms="5000" data-stamp="${synced.lastReconcile}">`,
    );
  });

  it('shows the status block with the same patchable fields as the list', () => {
    const overview = section(page, 'overview');
    expect(overview).toContain('data-project="gateway-a"');
    for (const field of ['sync', 'health', 'commit', 'age', 'error'])
      expect(overview).toContain(`data-field="${field}"`);
    expect(overview).toMatch(/data-badge="result">.*converged<\/span> <span class="muted">in 420 ms<\/span>/);
  });

  it('names the engine the project runs on, once a pass has said', () => {
    expect(section(page, 'overview')).not.toContain('<dt>Engine</dt>');
    const onLab = renderProjectPage({ ...synced, engine: 'lab' }, [], [], undefined, { now: NOW });
    expect(section(onLab, 'overview')).toContain('<dt>Engine</dt><dd>lab</dd>');
  });

  it('lists services with their health', () => {
    const services = section(page, 'services');
    expect(services).toContain(
      '<caption class="vh">Services of gateway-a, their health and the image digest every replica runs</caption>',
    );
    expect(services).toMatch(/<th scope="row">db<\/th><td><span class="badge tone-ok" data-badge="health">/);
  });

  it('shows the reference and the digest each service runs, or why it has none', () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    const withImages = {
      ...synced,
      images: {
        web: { ref: '127.0.0.1:5000/lab/web:1', digest },
        db: {
          ref: 'spin-test/busybox:1',
          note: 'built on the engine, not pulled from a registry: no digest to pin',
        },
      },
    };
    const html = section(renderProjectPage(withImages, [], [], undefined, { now: NOW }), 'services');
    expect(html).toContain(
      `<td><code>127.0.0.1:5000/lab/web:1</code></td><td data-digest="${digest}"><code>${digest}</code></td>`,
    );
    expect(html).toContain('no digest to pin');
  });

  it('lists the containers with name, service, state, health, image and commit', () => {
    const containers = section(page, 'containers');
    expect(containers).toContain(
      '<tr data-container="gateway-a_web_1"><th scope="row">gateway-a_web_1</th><td>web</td><td>running</td><td>healthy</td><td><code>spin-test/web:1</code></td>',
    );
    expect(containers.match(/<tr data-container=/g)).toHaveLength(2);
  });

  it('shows history newest first with result badges, durations and failed actions', () => {
    const history = section(page, 'history');
    expect(history.indexOf('3m ago')).toBeLessThan(history.indexOf('2h ago'));
    expect(history).toMatch(/data-badge="result">.*applied<\/span>/);
    expect(history).toContain('<td>2.3 s</td><td>2 <span class="muted">(1 failed)</span></td>');
  });

  it('summarises the last plan from the status when no plan is given', () => {
    expect(section(page, 'plan')).toContain('<h2 id="plan-h">Last plan</h2>\n<p>No changes.</p>');
  });

  it('lists the actions of a given plan in words', () => {
    const plan: PlanView = {
      summary: { created: 1, recreated: 1, started: 0, removed: 1, networks: 0, volumes: 0 },
      actions: [
        { kind: 'create', service: 'web', replica: 2, name: 'gateway-a-web-2' },
        { kind: 'recreate', service: 'db', replica: 1, name: 'gateway-a-db-1', containerId: 'c1' },
        {
          kind: 'remove',
          service: 'old',
          replica: 1,
          name: 'gateway-a-old-1',
          containerId: 'c2',
          reason: 'service-removed',
        },
      ],
    };
    const html = renderProjectPage(synced, [], [], plan, { now: NOW });
    const planHtml = section(html, 'plan');
    expect(planHtml).toContain('<p>1 to create, 1 to recreate, 1 to remove.</p>');
    expect(planHtml).toContain('<li>remove container gateway-a-old-1 (service removed)</li>');
    expect(section(html, 'containers')).toContain('<td colspan="6">No containers.</td>');
    expect(section(html, 'history')).toContain('No passes recorded yet.');
    expect(
      section(renderProjectPage(synced, [], [], { ...plan, actions: [] }, { now: NOW }), 'plan'),
    ).toContain('No changes: the engine matches the stack.');
  });

  it('explains a refused commit, escaping the message and diagnostics', () => {
    const refused = refusedStatus();
    const html = renderProjectPage(refused, containersOf(refused), historyOf(refused), undefined, {
      now: NOW,
    });
    const problem = section(html, 'error');
    expect(problem).toContain('<h2 id="error-h">Refused commit: InvalidCommit</h2>');
    expect(problem).toContain(
      `Commit <code title="${BAD_SHA}">deadbee</code> was not applied; the last good commit <code title="${OLD_SHA}">0a0b0c0</code> keeps running.`,
    );
    expect(problem).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(problem).toContain(
      '<li><code>compose.yaml:4:5</code> <strong>policy.privileged</strong>: privileged &lt;b&gt;containers&lt;/b&gt; are refused</li>',
    );
    expect(problem).toContain('1h ago');
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).not.toContain('<b>');
  });

  it('escapes container fields and events', () => {
    const evil = '"><script>x()</script>';
    const html = renderProjectPage(
      synced,
      [{ name: evil, service: evil, state: evil, health: evil, image: evil, commit: evil }],
      [],
      undefined,
      {
        now: NOW,
        events: [
          {
            id: 1,
            project: 'gateway-a',
            kind: 'drift-repair',
            message: evil,
            at: synced.lastReconcile ?? '',
          },
        ],
      },
    );
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(section(html, 'events')).toContain(
      '<strong>drift-repair</strong>: &quot;&gt;&lt;script&gt;x()&lt;/script&gt;',
    );
  });
});

describe('describeAction', () => {
  it('names every kind of action', () => {
    const net = { name: 'default', driver: 'bridge', internal: false, labels: {} };
    const vol = { name: 'data', driver: 'local', driverOpts: {}, labels: {} };
    expect(describeAction({ kind: 'create-network', network: net })).toBe('create network default');
    expect(describeAction({ kind: 'create-volume', volume: vol })).toBe('create volume data');
    expect(describeAction({ kind: 'start', service: 'w', replica: 1, name: 'p-w-1', containerId: 'c' })).toBe(
      'start container p-w-1',
    );
    expect(describeAction({ kind: 'remove-network', network: 'old', id: 'n' })).toBe('remove network old');
    expect(describeAction({ kind: 'remove-volume', volume: 'old' })).toBe('remove volume old');
  });
});

describe('renderNotFound', () => {
  it('names the missing project, escaped, and does not poll', () => {
    const html = renderNotFound('<nope>');
    expect(html).toContain('No project named “&lt;nope&gt;”');
    expect(html).not.toContain('data-api=');
    expect(html).not.toContain('http-equiv="refresh"');
    expect(unbalancedTags(html)).toEqual([]);
  });
});
