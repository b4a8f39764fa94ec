import { describe, expect, it } from 'vitest';
import { DASHBOARD_HEADERS, renderProjectList } from '../../../src/dashboard/index.js';
import { unbalancedTags } from './html-check.js';
import { BAD_SHA, GOOD_SHA, NOW, OLD_SHA, refusedStatus, syncedStatus } from './fixtures.js';

const page = renderProjectList([syncedStatus(), refusedStatus()], { now: NOW });

/** The markup of one project's row. */
function row(html: string, project: string): string {
  const m = new RegExp(`<tr data-project="${project}">[\\s\\S]*?</tr>`).exec(html);
  if (!m) throw new Error(`no row for ${project}`);
  return m[0];
}

describe('renderProjectList', () => {
  it('is a complete, well-formed document with landmarks', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<title>Projects · Spin</title>');
    expect(page).toMatch(/<header>[\s\S]*<\/header>/);
    expect(page).toMatch(/<main id="main" tabindex="-1">[\s\S]*<\/main>/);
    expect(page).toContain('<nav aria-label="Breadcrumb">');
    expect(page).toContain('<a class="skip" href="#main">Skip to content</a>');
    expect(unbalancedTags(page)).toEqual([]);
  });

  it('lists projects in a real table with a caption and scoped headers', () => {
    expect(page).toContain('<caption>Projects and their last reconcile (2 projects)</caption>');
    for (const header of ['Project', 'Sync', 'Health', 'Deployed commit', 'Last reconcile', 'Last error']) {
      expect(page).toContain(`<th scope="col">${header}</th>`);
    }
    expect(row(page, 'gateway-a')).toContain(
      '<th scope="row"><a href="/projects/gateway-a">gateway-a</a></th>',
    );
  });

  it('shows sync and health as text badges with an accessible label, not colour alone', () => {
    const a = row(page, 'gateway-a');
    expect(a).toContain(
      '<span class="badge tone-ok" data-badge="sync"><span aria-hidden="true">✓</span> <span class="vh">Sync: </span>Synced</span>',
    );
    expect(a).toContain(
      '<span class="badge tone-ok" data-badge="health"><span aria-hidden="true">✓</span> <span class="vh">Health: </span>Healthy</span>',
    );
    const b = row(page, 'gateway-b');
    expect(b).toMatch(/data-badge="sync">.*<span class="vh">Sync: <\/span>OutOfSync<\/span>/);
  });

  it('shows the deployed commit short, with the full sha in the title, and the head when it differs', () => {
    expect(row(page, 'gateway-a')).toContain(
      `<td data-field="commit"><code title="${GOOD_SHA}">1f2e3d4</code></td>`,
    );
    expect(row(page, 'gateway-b')).toContain(
      `<code title="${OLD_SHA}">0a0b0c0</code> <span class="muted">head <code title="${BAD_SHA}">deadbee</code></span>`,
    );
  });

  it('shows the age of the last reconcile as a machine-readable time', () => {
    expect(row(page, 'gateway-a')).toContain(
      '<time datetime="2026-03-01T11:57:00.000Z" title="2026-03-01T11:57:00.000Z" data-age>3m ago</time>',
    );
  });

  it('shows the last error with its reason and escapes the message', () => {
    const b = row(page, 'gateway-b');
    expect(b).toContain('<strong class="error-reason">InvalidCommit</strong>');
    expect(b).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(b).toContain(`<span class="muted">at <code title="${BAD_SHA}">deadbee</code></span>`);
    expect(row(page, 'gateway-a')).toContain('<td data-field="error"><span class="muted">none</span></td>');
    // The only <script> element on the page is the refresh script.
    expect(page.match(/<script\b/g)).toHaveLength(1);
  });

  it('escapes every user-controlled field, including the project name and health reason', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const html = renderProjectList(
      [
        {
          ...syncedStatus(),
          project: `x"${evil}`,
          healthReason: evil,
          desiredCommit: evil,
          appliedCommit: evil,
        },
      ],
      { now: NOW },
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('href="/projects/x%22%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"');
  });

  it('marks a suspended project next to its sync badge', () => {
    const html = renderProjectList([{ ...syncedStatus(), suspended: true }], { now: NOW });
    expect(row(html, 'gateway-a')).toMatch(/data-badge="suspended">.*Suspended<\/span>/);
  });

  it('says so when no projects are configured', () => {
    const html = renderProjectList([], { now: NOW });
    expect(html).toContain('<caption>Projects and their last reconcile (0 projects)</caption>');
    expect(html).toContain('<td colspan="6">No projects are configured.</td>');
    // A per-project token's list: nothing said about what else is configured.
    const scoped = renderProjectList([], { now: NOW, scoped: true });
    expect(scoped).toContain('<td colspan="6">This token may see none of the projects.</td>');
  });

  it('carries the refresh configuration and a no-script fallback', () => {
    expect(page).toContain('<body data-view="list" data-api="/api/v1/projects" data-refresh-ms="5000">');
    expect(page).toContain('<noscript><meta http-equiv="refresh" content="30"></noscript>');
    expect(page).toContain('<p class="refresh" role="status" data-live>Refreshes every 5 s.</p>');
  });

  it('prefixes links and the API with basePath', () => {
    const html = renderProjectList([syncedStatus()], { now: NOW, basePath: '/spin/', refreshMs: 2000 });
    expect(html).toContain('href="/spin/projects/gateway-a"');
    expect(html).toContain('data-api="/spin/api/v1/projects" data-refresh-ms="2000"');
    expect(html).toContain('<a class="brand" href="/spin/">Spin</a>');
  });

  it('avoids a favicon request and sends a CSP that allows only its own inline script and style', () => {
    expect(page).toContain('<link rel="icon" href="data:,">');
    const csp = DASHBOARD_HEADERS['content-security-policy'] ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).not.toMatch(/unsafe-inline/);
  });

  it('shows an environment as <project>/<env>, linked by its internal name', () => {
    const status = { ...syncedStatus(), project: 'gw--prod', environment: { project: 'gw', name: 'prod' } };
    const html = row(renderProjectList([status], { now: NOW }), 'gw--prod');
    expect(html).toMatch(/<a href="[^"]*gw--prod">gw\/prod<\/a>/);
  });
});
