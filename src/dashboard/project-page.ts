import type { Action, PlanSummary } from '../reconciler/plan.js';
import type { ProjectStatus } from '../status/project-status.js';
import type { EventRecord, PassRecord } from '../store/types.js';
import { badge } from './badges.js';
import { commitRef, statusCells, timeAgo } from './cells.js';
import { html, type SafeHtml } from './escape.js';
import { formatDuration } from './format.js';
import { DEFAULT_REFRESH_MS, renderDocument } from './layout.js';
import { describeAction, describeSummary } from './plan-view.js';
import type { DashboardOptions } from './project-list.js';
import { normaliseBasePath, projectApiUrl } from './urls.js';

/** What the page shows of a container; ActualContainer from the engine fits as is. */
export interface ContainerView {
  name: string;
  service: string;
  state: string;
  health: string;
  image: string;
  commit: string;
}

/** The plan the daemon would run now (or ran last). */
export interface PlanView {
  summary: PlanSummary;
  actions: Action[];
}

export type HistoryEntry = Pick<
  PassRecord,
  'startedAt' | 'commit' | 'result' | 'sync' | 'health' | 'durationMs' | 'actions' | 'error'
>;

export interface ProjectPageOptions extends DashboardOptions {
  /** Recent events (drift repairs, rollbacks, refusals), newest first. */
  events?: EventRecord[];
}

export function renderProjectPage(
  status: ProjectStatus,
  containers: ContainerView[],
  history: HistoryEntry[],
  plan?: PlanView,
  opts: ProjectPageOptions = { now: Date.now() },
): string {
  const basePath = normaliseBasePath(opts.basePath);
  const now = opts.now;
  const content = html`${overview(status, now)} ${lastError(status, now)} ${services(status)}
  ${containerTable(status.project, containers)} ${planSection(status, plan)} ${historyTable(history, now)}
  ${opts.events && opts.events.length > 0 ? eventList(opts.events, now) : ''}`;
  return renderDocument({
    title: status.project,
    crumbs: [['Projects', `${basePath}/`], [status.project]],
    view: 'project',
    api: projectApiUrl(basePath, status.project),
    basePath,
    refreshMs: opts.refreshMs ?? DEFAULT_REFRESH_MS,
    stamp: status.lastReconcile ?? '',
    content,
  });
}

/** The same status cells as a row of the list, so the refresh script patches both alike. */
function overview(status: ProjectStatus, now: number): SafeHtml {
  const cells = statusCells(status, now);
  return html`<h1>${status.project}</h1>
    <section aria-labelledby="overview-h" data-project="${status.project}">
      <h2 id="overview-h" class="vh">Overview</h2>
      <dl class="facts">
        <dt>Sync</dt>
        <dd data-field="sync">${cells.sync}</dd>
        <dt>Health</dt>
        <dd data-field="health">${cells.health}</dd>
        <dt>Deployed commit</dt>
        <dd data-field="commit">${cells.commit}</dd>
        <dt>Last reconcile</dt>
        <dd data-field="age">${cells.age}</dd>
        <dt>Last result</dt>
        <dd>
          ${status.lastResult ? badge('result', status.lastResult) : html`<span class="muted">none</span>`}${
            status.lastDurationMs !== undefined
              ? html` <span class="muted">in ${formatDuration(status.lastDurationMs)}</span>`
              : ''
          }
        </dd>
        <dt>Last error</dt>
        <dd data-field="error">${cells.error}</dd>
      </dl>
    </section>`;
}

function lastError(status: ProjectStatus, now: number): SafeHtml | '' {
  const error = status.lastError;
  if (!error) return '';
  const refused = status.refusedCommit;
  const diagnostics = error.diagnostics ?? [];
  return html`<section class="problem" aria-labelledby="error-h">
    <h2 id="error-h">${refused ? 'Refused commit' : 'Last error'}: ${error.reason}</h2>
    ${refused ? html`<p>Commit ${commitRef(refused)} was not applied; the last good commit ${commitRef(status.appliedCommit)} keeps running.</p>` : ''}
    <pre>${error.message}</pre>
    ${
      diagnostics.length > 0
        ? html`<ul class="plain">
            ${diagnostics.map(
              (d) =>
                html`<li>
                  <code>${d.file}:${d.line}:${d.column}</code> <strong>${d.rule}</strong>: ${d.message}
                </li>`,
            )}
          </ul>`
        : ''
    }
    <p class="muted">Since ${timeAgo(error.at, now)}.</p>
  </section>`;
}

function services(status: ProjectStatus): SafeHtml {
  const names = Object.keys(status.services).sort();
  const rows = names.map((name) => {
    const verdict = status.services[name];
    return html`<tr>
      <th scope="row">${name}</th>
      <td>${badge('health', verdict?.health ?? 'Unknown')}</td>
      <td>${verdict?.reason || html`<span class="muted">none</span>`}</td>
    </tr>`;
  });
  return section(
    'services',
    'Services',
    html`<table>
      <caption class="vh">
        Services of ${status.project} and their health
      </caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Health</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        ${rows.length > 0 ? rows : emptyRow(3, 'No services known yet.')}
      </tbody>
    </table>`,
  );
}

function containerTable(project: string, containers: ContainerView[]): SafeHtml {
  const rows = containers.map(
    (c) =>
      html`<tr data-container="${c.name}">
        <th scope="row">${c.name}</th>
        <td>${c.service}</td>
        <td>${c.state}</td>
        <td>${c.health}</td>
        <td><code>${c.image}</code></td>
        <td>${commitRef(c.commit)}</td>
      </tr>`,
  );
  return section(
    'containers',
    'Containers',
    html`<table>
      <caption class="vh">
        Containers Spin manages for ${project}
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Service</th>
          <th scope="col">State</th>
          <th scope="col">Health check</th>
          <th scope="col">Image</th>
          <th scope="col">Commit</th>
        </tr>
      </thead>
      <tbody>
        ${rows.length > 0 ? rows : emptyRow(6, 'No containers.')}
      </tbody>
    </table>`,
  );
}

function planSection(status: ProjectStatus, plan: PlanView | undefined): SafeHtml {
  const summary = plan?.summary ?? status.lastPlan;
  let body: SafeHtml;
  if (!summary) body = html`<p class="muted">No plan yet.</p>`;
  else if (plan && plan.actions.length === 0) body = html`<p>No changes: the engine matches the stack.</p>`;
  else {
    body = html`<p>${describeSummary(summary)}.</p>
      ${
        plan
          ? html`<ol class="plain">
              ${plan.actions.map((a) => html`<li>${describeAction(a)}</li>`)}
            </ol>`
          : ''
      }`;
  }
  return section('plan', plan ? 'Plan' : 'Last plan', body);
}

function historyTable(history: HistoryEntry[], now: number): SafeHtml {
  const rows = history.map((pass) => {
    const failed = pass.actions.filter((a) => !a.ok).length;
    return html`<tr>
      <td>${timeAgo(pass.startedAt, now)}</td>
      <td>${commitRef(pass.commit)}</td>
      <td>${badge('result', pass.result)}</td>
      <td>${badge('sync', pass.sync)}</td>
      <td>${badge('health', pass.health)}</td>
      <td>${formatDuration(pass.durationMs)}</td>
      <td>${pass.actions.length}${failed > 0 ? html` <span class="muted">(${failed} failed)</span>` : ''}</td>
      <td>
        ${pass.error ? html`<strong class="error-reason">${pass.error.reason}</strong> <span class="error-message">${pass.error.message}</span>` : html`<span class="muted">none</span>`}
      </td>
    </tr>`;
  });
  return section(
    'history',
    'History',
    html`<table>
      <caption class="vh">
        Recent reconcile passes, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Commit</th>
          <th scope="col">Result</th>
          <th scope="col">Sync</th>
          <th scope="col">Health</th>
          <th scope="col">Duration</th>
          <th scope="col">Actions</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        ${rows.length > 0 ? rows : emptyRow(8, 'No passes recorded yet.')}
      </tbody>
    </table>`,
  );
}

function eventList(events: EventRecord[], now: number): SafeHtml {
  return section(
    'events',
    'Events',
    html`<ul class="plain">
      ${events.map((e) => html`<li>${timeAgo(e.at, now)} <strong>${e.kind}</strong>: ${e.message}</li>`)}
    </ul>`,
  );
}

function section(id: string, title: string, body: SafeHtml): SafeHtml {
  return html`<section aria-labelledby="${id}-h">
    <h2 id="${id}-h">${title}</h2>
    ${body}
  </section>`;
}

function emptyRow(columns: number, text: string): SafeHtml {
  return html`<tr>
    <td colspan="${columns}">${text}</td>
  </tr>`;
}
