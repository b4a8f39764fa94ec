import type { Command } from 'commander';
import { withExit } from '../action.js';
import { apiStream, serverOptions, type ServerOptions, projectRef } from '../api-client.js';
import { CliError, EXIT } from '../output.js';

interface LogsOptions extends ServerOptions {
  replica?: string;
  follow?: boolean;
  since?: string;
  tail?: string;
  timestamps?: boolean;
}

/**
 * `spin logs`: what a project's containers print, through the daemon's API (no shell on the
 * host needed), one `service-N | ` prefix per replica like `docker compose logs`.
 */
export function registerLogs(program: Command): void {
  serverOptions(
    program
      .command('logs')
      .description("print the output of PROJECT's containers (all services, or SERVICE)")
      .argument('<project>', 'project name')
      .argument('[service]', 'only this service')
      .option('--replica <n>', 'only this replica of SERVICE (1, 2, ...)')
      .option(
        '-f, --follow',
        'keep printing new output, also of replicas that replace these, until interrupted',
      )
      .option(
        '--since <time>',
        'only output since a duration ago (10m, 1h30m), an RFC 3339 time or Unix seconds',
      )
      .option('-n, --tail <n>', 'only the last N lines of each container')
      .option('-t, --timestamps', "start each line with the engine's time it was printed"),
  ).action(
    withExit(async (name: string, service: string | undefined, options: LogsOptions) => {
      const params = logParams(service, options);
      await apiStream(options, `/api/v1/projects/${projectRef(name)}/logs?${params.toString()}`, (text) =>
        process.stdout.write(text),
      );
      return EXIT.ok;
    }),
  );
}

/** The API's query for the command's options; refuses what the daemon would refuse, earlier. */
export function logParams(service: string | undefined, options: LogsOptions): URLSearchParams {
  const params = new URLSearchParams();
  if (service) params.set('service', service);
  if (options.replica !== undefined) {
    if (!service) throw new CliError('--replica needs a SERVICE');
    params.set('replica', options.replica);
  }
  if (options.follow) params.set('follow', '1');
  if (options.since !== undefined) params.set('since', options.since);
  if (options.tail !== undefined) params.set('tail', options.tail);
  if (options.timestamps) params.set('timestamps', '1');
  return params;
}
