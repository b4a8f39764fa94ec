import type { PlanSummary } from '../model/plan-summary.js';
import type { Action } from '../reconciler/plan.js';
import type { ProjectStatus } from '../status/project-status.js';
import type { ImagePin } from '../model/image.js';
import type { EventRecord, PassRecord } from '../store/types.js';
import { badge } from './badges.js';
import { commitRef, statusCells, timeAgo } from './cells.js';
import { markup, type SafeHtml } from './escape.js';
import { formatDuration, shownName } from './format.js';
import { DEFAULT_REFRESH_MS, renderDocument } from './layout.js';
import { describeAction, describeSummary } from './plan-view.js';
import { diffSection, logSection } from './log-view.js';
import type { ServiceDiff } from '../reconciler/spec-diff.js';
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
  /** What the next deploy changes per service (`spin diff`), when it differs from what runs. */
  diff?: ServiceDiff[];
  /** The last lines each service printed, prefixed per replica (the logs API's text). */
  logs?: Record<string, string>;
}

const NONE = markup`<span class="muted">none</span>`;

export function renderProjectPage(
  status: ProjectStatus,
  containers: ContainerView[],
  history: HistoryEntry[],
  plan?: PlanView,
  opts: ProjectPageOptions = { now: Date.now() },
): string {
  const basePath = normaliseBasePath(opts.basePath);
  const now = opts.now;
  const parts = [
    overview(status, now),
    lastError(status, now),
    services(status),
    containerTable(status.project, containers),
    planSection(status, plan),
    diffSection(opts.diff),
    opts.logs ? logSection(status.project, opts.logs) : undefined,
    historyTable(history, now),
    opts.events && opts.events.length > 0 ? eventList(opts.events, now) : undefined,
  ];
  return renderDocument({
    title: status.project,
    crumbs: [['Projects', `${basePath}/`], [status.project]],
    view: 'project',
    api: projectApiUrl(basePath, status.project),
    basePath,
    refreshMs: opts.refreshMs ?? DEFAULT_REFRESH_MS,
    stamp: status.lastReconcile ?? '',
    content: markup`${parts.filter((p) => p !== undefined).map((p) => markup`${p}\n`)}`,
  });
}

/** The same status cells as a row of the list, so the refresh script patches both alike. */
function overview(status: ProjectStatus, now: number): SafeHtml {
  const cells = statusCells(status, now);
  const result = status.lastResult ? badge('result', status.lastResult) : NONE;
  const took =
    status.lastDurationMs !== undefined
      ? markup` <span class="muted">in ${formatDuration(status.lastDurationMs)}</span>`
      : '';
  // Which engine it runs on, once a pass has said (several engines: docs/engines.md).
  const engine = status.engine ? markup`<dt>Engine</dt><dd>${status.engine}</dd>\n` : '';
  return markup`<h1>${shownName(status)}</h1>
<section aria-labelledby="overview-h" data-project="${status.project}">
<h2 id="overview-h" class="vh">Overview</h2>
<dl class="facts">
<dt>Sync</dt><dd data-field="sync">${cells.sync}</dd>
<dt>Health</dt><dd data-field="health">${cells.health}</dd>
<dt>Deployed commit</dt><dd data-field="commit">${cells.commit}</dd>
<dt>Last reconcile</dt><dd data-field="age">${cells.age}</dd>
<dt>Last result</dt><dd>${result}${took}</dd>
<dt>Last error</dt><dd data-field="error">${cells.error}</dd>
${engine}</dl>
</section>`;
}

function lastError(status: ProjectStatus, now: number): SafeHtml | undefined {
  const error = status.lastError;
  if (!error) return undefined;
  const refused = status.refusedCommit;
  const keeps = refused
    ? markup`<p>Commit ${commitRef(refused)} was not applied; the last good commit ${commitRef(status.appliedCommit)} keeps running.</p>\n`
    : '';
  const diagnostics = (error.diagnostics ?? []).map(
    (d) =>
      markup`<li><code>${d.file}:${d.line}:${d.column}</code> <strong>${d.rule}</strong>: ${d.message}</li>`,
  );
  const list = diagnostics.length > 0 ? markup`<ul class="plain">${diagnostics}</ul>\n` : '';
  return markup`<section class="problem" aria-labelledby="error-h">
<h2 id="error-h">${refused ? 'Refused commit' : 'Last error'}: ${error.reason}</h2>
${keeps}<pre>${error.message}</pre>
${list}<p class="muted">Since ${timeAgo(error.at, now)}.</p>
</section>`;
}

function services(status: ProjectStatus): SafeHtml {
  const rows = Object.keys(status.services)
    .sort()
    .map((name) => {
      const verdict = status.services[name];
      const health = badge('health', verdict?.health ?? 'Unknown');
      return markup`<tr><th scope="row">${name}</th><td>${health}</td><td>${verdict?.reason || NONE}</td>${imageCells(status.images?.[name])}</tr>`;
    });
  return tableSection('services', 'Services', {
    caption: `Services of ${status.project}, their health and the image digest every replica runs`,
    columns: ['Service', 'Health', 'Reason', 'Image', 'Digest'],
    rows,
    empty: 'No services known yet.',
  });
}

/** The stack's reference and the digest that runs (or why there is none). */
function imageCells(pin: ImagePin | undefined): SafeHtml {
  if (!pin) return markup`<td>${NONE}</td><td>${NONE}</td>`;
  const digest = pin.digest ? markup`<code>${pin.digest}</code>` : markup`<span class="muted">none</span>`;
  const note = pin.note ? markup` <span class="muted">${pin.note}</span>` : '';
  return markup`<td><code>${pin.ref}</code></td><td data-digest="${pin.digest ?? ''}">${digest}${note}</td>`;
}

function containerTable(project: string, containers: ContainerView[]): SafeHtml {
  const rows = containers.map(
    (c) =>
      markup`<tr data-container="${c.name}"><th scope="row">${c.name}</th><td>${c.service}</td><td>${c.state}</td><td>${c.health}</td><td><code>${c.image}</code></td><td>${commitRef(c.commit)}</td></tr>`,
  );
  return tableSection('containers', 'Containers', {
    caption: `Containers Spin manages for ${project}`,
    columns: ['Name', 'Service', 'State', 'Health check', 'Image', 'Commit'],
    rows,
    empty: 'No containers.',
  });
}

function planSection(status: ProjectStatus, plan: PlanView | undefined): SafeHtml {
  const summary = plan?.summary ?? status.lastPlan;
  let body: SafeHtml;
  if (!summary) body = markup`<p class="muted">No plan yet.</p>`;
  else if (plan && plan.actions.length === 0) body = markup`<p>No changes: the engine matches the stack.</p>`;
  else {
    const steps = plan
      ? markup`<ol class="plain">${plan.actions.map((a) => markup`<li>${describeAction(a)}</li>`)}</ol>`
      : '';
    const said = describeSummary(summary);
    body = markup`<p>${said.charAt(0).toUpperCase()}${said.slice(1)}.</p>${steps}`;
  }
  return section('plan', plan ? 'Plan' : 'Last plan', body);
}

function historyTable(history: HistoryEntry[], now: number): SafeHtml {
  const rows = history.map((pass) => {
    const failed = pass.actions.filter((a) => !a.ok).length;
    const actions = markup`${pass.actions.length}${failed > 0 ? markup` <span class="muted">(${failed} failed)</span>` : ''}`;
    const error = pass.error
      ? markup`<strong class="error-reason">${pass.error.reason}</strong> <span class="error-message">${pass.error.message}</span>`
      : NONE;
    return markup`<tr><td>${timeAgo(pass.startedAt, now)}</td><td>${commitRef(pass.commit)}</td><td>${badge('result', pass.result)}</td><td>${badge('sync', pass.sync)}</td><td>${badge('health', pass.health)}</td><td>${formatDuration(pass.durationMs)}</td><td>${actions}</td><td>${error}</td></tr>`;
  });
  return tableSection('history', 'History', {
    caption: 'Recent reconcile passes, newest first',
    columns: ['Started', 'Commit', 'Result', 'Sync', 'Health', 'Duration', 'Actions', 'Error'],
    rows,
    empty: 'No passes recorded yet.',
  });
}

function eventList(events: EventRecord[], now: number): SafeHtml {
  const items = events.map(
    (e) => markup`<li>${timeAgo(e.at, now)} <strong>${e.kind}</strong>: ${e.message}</li>`,
  );
  return section('events', 'Events', markup`<ul class="plain">${items}</ul>`);
}

interface TableSpec {
  caption: string;
  columns: string[];
  rows: SafeHtml[];
  empty: string;
}

/** A section with a visible heading and a table whose caption repeats it for screen readers. */
function tableSection(id: string, title: string, table: TableSpec): SafeHtml {
  const head = table.columns.map((c) => markup`<th scope="col">${c}</th>`);
  const rows =
    table.rows.length > 0
      ? table.rows
      : [markup`<tr><td colspan="${table.columns.length}">${table.empty}</td></tr>`];
  return section(
    id,
    title,
    markup`<table>
<caption class="vh">${table.caption}</caption>
<thead><tr>${head}</tr></thead>
<tbody>${rows}</tbody>
</table>`,
  );
}

function section(id: string, title: string, body: SafeHtml): SafeHtml {
  return markup`<section aria-labelledby="${id}-h">
<h2 id="${id}-h">${title}</h2>
${body}
</section>`;
}
