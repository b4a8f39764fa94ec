import type { Command } from 'commander';
import type { ProjectStatus } from '../../status/project-status.js';
import { apiRequest, DEFAULT_SERVER } from '../api-client.js';
import { EXIT, printJson } from '../output.js';
import { renderStatusTable } from './status.js';
import { withExit } from '../action.js';

/** `spin sync`: ask the daemon to reconcile a project now and wait for that pass. */
export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('reconcile PROJECT now and wait for the pass to finish')
    .argument('<project>', 'project name')
    .option('--server <url>', 'daemon API address', DEFAULT_SERVER)
    .option('--json', 'print JSON')
    .action(
      withExit(async (name: string, options: { server: string; json?: boolean }) => {
        if (!options.json) process.stderr.write(`syncing ${name}...\n`);
        const body = (await apiRequest(
          options.server,
          'POST',
          `/api/v1/projects/${encodeURIComponent(name)}/sync`,
        )) as {
          status: ProjectStatus;
          actions: number;
        };
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
