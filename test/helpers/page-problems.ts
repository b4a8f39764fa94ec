import type { Page } from 'playwright-core';

/**
 * Everything the page reports as a problem: console errors and warnings, uncaught exceptions,
 * failed requests and HTTP errors. A request the browser itself aborted (`net::ERR_ABORTED`: the
 * page navigated while the dashboard's JSON poll was in flight, seen on a loaded CI machine) is
 * not the dashboard's failure and is left out; any other network failure counts.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText;
    if (reason !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()} ${reason}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return problems;
}
