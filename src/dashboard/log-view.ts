import type { ServiceDiff } from '../reconciler/spec-diff.js';
import { describeChange, serviceHeadline } from '../reconciler/spec-diff.js';
import { markup, type SafeHtml } from './escape.js';

/**
 * The last lines each service printed, one block per service, and a follow switch: with it on,
 * the page's script re-reads them from the logs API on every refresh. Without JavaScript the
 * lines are those of the page load. What a container prints is its own: shown as text, escaped.
 */
export function logSection(project: string, logs: Record<string, string>): SafeHtml {
  const blocks = Object.keys(logs)
    .sort()
    .map(
      (service) => markup`<h3>${service}</h3>
<pre class="logs" data-logs="${service}" tabindex="0" aria-label="Last lines printed by ${service}">${logs[service] || '(nothing printed)'}</pre>`,
    );
  const body =
    blocks.length > 0
      ? markup`<p><label><input type="checkbox" data-follow-logs> Follow (re-read on every refresh)</label>
<span class="muted">What a container prints is its own; <code>spin logs ${project} -f</code> follows in a terminal.</span></p>
${blocks}`
      : markup`<p class="muted">No containers.</p>`;
  return markup`<section aria-labelledby="logs-h">
<h2 id="logs-h">Logs</h2>
${body}
</section>`;
}

/** The next deploy per service, in `spin diff`'s words; nothing when nothing would change. */
export function diffSection(diffs: ServiceDiff[] | undefined): SafeHtml | undefined {
  const changed = (diffs ?? []).filter((d) => d.change !== 'none');
  if (changed.length === 0) return undefined;
  const items = changed.map((d) => {
    const why = d.fields.length
      ? markup`<ul class="plain">${d.fields.map((f) => markup`<li><code>${describeChange(f)}</code></li>`)}</ul>`
      : d.reason
        ? markup` <span class="muted">(${d.reason})</span>`
        : '';
    return markup`<li>${serviceHeadline(d)}${why}</li>`;
  });
  return markup`<section aria-labelledby="diff-h">
<h2 id="diff-h">Next deploy</h2>
<ul class="plain">${items}</ul>
</section>`;
}
