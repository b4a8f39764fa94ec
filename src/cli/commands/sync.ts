import type { Command } from 'commander';
import type { ProjectStatus } from '../../status/project-status.js';
import { withExit } from '../action.js';
import { apiRequest, serverOptions, type ServerOptions, projectRef } from '../api-client.js';
import { EXIT, printJson } from '../output.js';
import { renderStatusTable } from './status.js';

/** `spin sync`: ask the daemon to reconcile a project now and wait for that pass. */
export function registerSync(program: Command): void {
  serverOptions(
    program
      .command('sync')
      .description('reconcile PROJECT now and wait for the pass to finish')
      .argument('<project>', 'project name')
      .option('--json', 'print JSON'),
  ).action(
    withExit(async (name: string, options: ServerOptions & { json?: boolean }) => {
      const stopProgress = options.json ? () => {} : progress(`syncing ${name}`, passProgress(options, name));
      let body: { status: ProjectStatus; actions: number };
      try {
        body = (await apiRequest(
          options,
          'POST',
          `/api/v1/projects/${projectRef(name)}/sync`,
        )) as typeof body;
      } finally {
        stopProgress();
      }
      if (options.json) printJson(body);
      else {
        console.log(`${body.actions} action${body.actions === 1 ? '' : 's'} applied`);
        console.log(renderStatusTable([body.status]));
      }
      return body.status.lastResult === 'refused' || body.status.lastResult === 'failed'
        ? EXIT.invalid
        : EXIT.ok;
    }),
  );
}

/** How often the project's live status is asked for what the pass is doing (a pull's progress). */
const PROGRESS_POLL_MS = 500;

/** The project's live `progress` (src/daemon/read-view.ts), or undefined; errors count as none. */
function passProgress(options: ServerOptions, name: string): () => Promise<string | undefined> {
  return async () => {
    try {
      const body = (await apiRequest(options, 'GET', `/api/v1/projects/${projectRef(name)}`)) as {
        status?: ProjectStatus;
      };
      return body.status?.progress;
    } catch {
      return undefined;
    }
  };
}

/**
 * Elapsed time and what the pass is doing (a pull's progress) on stderr while the sync request
 * runs: a live line on a terminal; otherwise one line at the start and one per new progress.
 */
function progress(label: string, current: () => Promise<string | undefined>): () => void {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  if (!tty) process.stderr.write(`${label}...\n`);
  let last: string | undefined;
  let shown: string | undefined;
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    void current()
      .then((now) => {
        if (now !== undefined) last = now;
        const elapsed = `${Math.round((Date.now() - started) / 1000)}s`;
        if (tty) process.stderr.write(`\r\x1b[K${label}... ${elapsed}${last ? ` (${last})` : ''}`);
        else if (now !== undefined && now !== shown) process.stderr.write(`${(shown = now)}\n`);
      })
      .finally(() => (asking = false));
  }, PROGRESS_POLL_MS);
  return () => {
    clearInterval(timer);
    if (tty)
      process.stderr.write(`\r\x1b[K${label}... done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  };
}
