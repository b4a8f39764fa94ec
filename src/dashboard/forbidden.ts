import { markup } from './escape.js';
import { DEFAULT_REFRESH_MS, renderDocument } from './layout.js';
import { normaliseBasePath } from './urls.js';

/**
 * The page for /projects/<name> when the token may not see that project (serve it with 403).
 * The same whether or not the project exists, so a token cannot probe other projects' names.
 */
export function renderForbidden(project: string, reason: string, opts: { basePath?: string } = {}): string {
  const basePath = normaliseBasePath(opts.basePath);
  return renderDocument({
    title: 'Forbidden',
    crumbs: [['Projects', `${basePath}/`], ['Forbidden']],
    view: 'static',
    basePath,
    refreshMs: DEFAULT_REFRESH_MS,
    content: markup`<h1>No access to “${project}”</h1>
<p>${reason}. <a href="${basePath}/">See the projects this token may see</a>.</p>`,
  });
}
