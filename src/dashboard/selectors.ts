/**
 * The data attributes the pages carry for the refresh script and for browser tests. They are a
 * contract: the renderer, the client script and the page objects all read them from here.
 */
export const DATA = {
  /** On <body>: 'list' or 'project'. */
  view: 'data-view',
  /** On <body>: the JSON endpoint the refresh script polls. */
  api: 'data-api',
  /** On <body>: refresh period in milliseconds. */
  refreshMs: 'data-refresh-ms',
  /** On <body> of a project page: lastReconcile as rendered, to notice a new pass. */
  stamp: 'data-stamp',
  /** On each project's row (list) or status block (project page): the project name. */
  project: 'data-project',
  /** On a cell the refresh script re-renders: sync, health, commit, age, error. */
  field: 'data-field',
  /** On a badge: which badge it is (sync, health, result). */
  badge: 'data-badge',
  /** On each container row of a project page: the container name. */
  container: 'data-container',
  /** The live region that reports refresh problems. */
  live: 'data-live',
} as const;

export type Field = 'sync' | 'health' | 'commit' | 'age' | 'error';
export const FIELDS: readonly Field[] = ['sync', 'health', 'commit', 'age', 'error'];

export const selectors = {
  projectRow: (project: string) => `tr[${DATA.project}="${cssString(project)}"]`,
  field: (field: Field) => `[${DATA.field}="${field}"]`,
  badge: (kind: 'sync' | 'health' | 'result') => `[${DATA.badge}="${kind}"]`,
  projectBlock: (project: string) => `[${DATA.project}="${cssString(project)}"]`,
  containerRows: `tr[${DATA.container}]`,
  live: `[${DATA.live}]`,
};

function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
