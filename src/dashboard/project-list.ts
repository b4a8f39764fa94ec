import type { ProjectStatus } from '../status/project-status.js';
import { statusCells } from './cells.js';
import { markup, type SafeHtml } from './escape.js';
import { shownName } from './format.js';
import { DEFAULT_REFRESH_MS, renderDocument } from './layout.js';
import { FIELDS } from './selectors.js';
import { normaliseBasePath, projectPageUrl, projectsApiUrl } from './urls.js';

export interface DashboardOptions {
  /** Epoch ms the ages are computed from (Date.now() in the daemon; fixed in tests). */
  now: number;
  /** Prefix when served behind a reverse proxy under a sub-path, e.g. '/spin'. */
  basePath?: string;
  /** How often the refresh script polls the API. */
  refreshMs?: number;
  /** The list is what a per-project token may see, not every configured project. */
  scoped?: boolean;
}

const COLUMNS = ['Project', 'Sync', 'Health', 'Deployed commit', 'Last reconcile', 'Last error'];

/** The dashboard's front page: one row per project, in the order given. */
export function renderProjectList(statuses: ProjectStatus[], opts: DashboardOptions): string {
  const basePath = normaliseBasePath(opts.basePath);
  const rows = statuses.map((status) => projectRow(status, opts.now, basePath));
  const count = `${statuses.length} ${statuses.length === 1 ? 'project' : 'projects'}`;
  const none = opts.scoped ? 'This token may see none of the projects.' : 'No projects are configured.';
  const empty = markup`<tr><td colspan="${COLUMNS.length}">${none}</td></tr>\n`;
  const content = markup`<h1>Projects</h1>
<table>
<caption>Projects and their last reconcile (${count})</caption>
<thead><tr>${COLUMNS.map((c) => markup`<th scope="col">${c}</th>`)}</tr></thead>
<tbody>
${rows.length > 0 ? rows : empty}</tbody>
</table>`;
  return renderDocument({
    title: 'Projects',
    crumbs: [['Projects']],
    view: 'list',
    api: projectsApiUrl(basePath),
    basePath,
    refreshMs: opts.refreshMs ?? DEFAULT_REFRESH_MS,
    content,
  });
}

function projectRow(status: ProjectStatus, now: number, basePath: string): SafeHtml {
  const cells = statusCells(status, now);
  const link = markup`<a href="${projectPageUrl(basePath, status.project)}">${shownName(status)}</a>`;
  const fields = FIELDS.map((field) => markup`<td data-field="${field}">${cells[field]}</td>`);
  return markup`<tr data-project="${status.project}"><th scope="row">${link}</th>${fields}</tr>\n`;
}
