/** The dashboard: server-rendered HTML pages over ProjectStatus, history and containers. */
export { renderProjectList, type DashboardOptions } from './project-list.js';
export {
  renderProjectPage,
  type ContainerView,
  type HistoryEntry,
  type PlanView,
  type ProjectPageOptions,
} from './project-page.js';
export { renderNotFound } from './not-found.js';
export { renderForbidden } from './forbidden.js';
export { DASHBOARD_HEADERS, DEFAULT_REFRESH_MS } from './layout.js';
export { escapeHtml } from './escape.js';
export { DATA, FIELDS, selectors, type Field } from './selectors.js';
export { projectPageUrl } from './urls.js';
