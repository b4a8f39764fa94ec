import type { Command } from 'commander';
import type { ProjectStatus } from '../../status/project-status.js';
import { withExit } from '../action.js';
import { apiRequest, serverOptions, type ServerOptions } from '../api-client.js';
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
      const stopProgress = options.json ? () => {} : progress(`syncing ${name}`);
      let body: { status: ProjectStatus; actions: number };
      try {
        body = (await apiRequest(
          options,
          'POST',
          `/api/v1/projects/${encodeURIComponent(name)}/sync`,
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

/** Elapsed time on stderr while a long request runs (a live line on a terminal, one line otherwise). */
function progress(label: string): () => void {
  const started = Date.now();
  if (!process.stderr.isTTY) {
    process.stderr.write(`${label}...\n`);
    return () => {};
  }
  const timer = setInterval(() => {
    process.stderr.write(`\r${label}... ${Math.round((Date.now() - started) / 1000)}s`);
  }, 500);
  return () => {
    clearInterval(timer);
    process.stderr.write(`\r${label}... done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  };
}
