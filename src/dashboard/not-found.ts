import { markup } from './escape.js';
import { DEFAULT_REFRESH_MS, renderDocument } from './layout.js';
import { normaliseBasePath } from './urls.js';

/** The page for /projects/<unknown>: says what was asked for and links back (serve it with 404). */
export function renderNotFound(project: string, opts: { basePath?: string } = {}): string {
  const basePath = normaliseBasePath(opts.basePath);
  return renderDocument({
    title: 'Not found',
    crumbs: [['Projects', `${basePath}/`], ['Not found']],
    view: 'static',
    basePath,
    refreshMs: DEFAULT_REFRESH_MS,
    content: markup`<h1>No project named “${project}”</h1>
<p>It is not in the daemon's configuration. <a href="${basePath}/">See all projects</a>.</p>`,
  });
}
