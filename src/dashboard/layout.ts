import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client-script.js';
import { markup, raw, type SafeHtml } from './escape.js';
import { formatDuration } from './format.js';
import { STYLES } from './styles.js';

export const DEFAULT_REFRESH_MS = 5000;
/** Without JavaScript the page reloads itself, less often than the script polls. */
const NOSCRIPT_REFRESH_S = 30;

export interface PageShell {
  title: string;
  /** Breadcrumb trail, [label, href][]; the last entry is the current page (its href is ignored). */
  crumbs: [string, string?][];
  view: 'list' | 'project' | 'static';
  /** The JSON endpoint the refresh script polls; none for a page that does not refresh. */
  api?: string;
  basePath: string;
  refreshMs: number;
  /** Project page: lastReconcile as rendered, so the script notices a new pass. */
  stamp?: string;
  content: SafeHtml;
}

export function renderDocument(page: PageShell): string {
  const home = `${page.basePath}/`;
  const crumbs = page.crumbs.map(([label, href], i) =>
    i === page.crumbs.length - 1
      ? markup`<li><a href="#main" aria-current="page">${label}</a></li>`
      : markup`<li><a href="${href ?? home}">${label}</a></li>`,
  );
  const polls = page.api !== undefined;
  const bodyAttrs = markup`data-view="${page.view}"${polls ? markup` data-api="${page.api}"` : ''} data-refresh-ms="${page.refreshMs}"${
    page.stamp !== undefined ? markup` data-stamp="${page.stamp}"` : ''
  }`;
  const noscript = polls
    ? markup`<noscript><meta http-equiv="refresh" content="${NOSCRIPT_REFRESH_S}"></noscript>\n`
    : '';
  const refreshNote = polls ? `Refreshes every ${formatDuration(page.refreshMs)}.` : '';
  return markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Spin</title>
<link rel="icon" href="data:,">
${noscript}<style>${raw(STYLES)}</style>
</head>
<body ${bodyAttrs}>
<a class="skip" href="#main">Skip to content</a>
<header>
<a class="brand" href="${home}">Spin</a>
<nav aria-label="Breadcrumb"><ol>${crumbs}</ol></nav>
<p class="refresh" role="status" data-live>${refreshNote}</p>
</header>
<main id="main" tabindex="-1">
${page.content}
</main>
<script>${raw(CLIENT_SCRIPT)}</script>
</body>
</html>
`.value;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Headers for dashboard responses. The CSP allows exactly the inline script and stylesheet above
 * (by hash), API calls to the same origin and nothing else, so an escaping bug elsewhere still
 * cannot run injected script.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy': [
    "default-src 'none'",
    `script-src ${sha256(CLIENT_SCRIPT)}`,
    `style-src ${sha256(STYLES)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
});
