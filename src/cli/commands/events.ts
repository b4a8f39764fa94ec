import type { Command } from 'commander';
import type { TimelineEntry } from '../../daemon/timeline.js';
import { withExit } from '../action.js';
import { apiRequest, serverOptions, type ServerOptions, projectRef } from '../api-client.js';
import { EXIT, printJson, table } from '../output.js';

/** `spin events`: the reconcile history and the engine's events of a project, one timeline. */
export function registerEvents(program: Command): void {
  serverOptions(
    program
      .command('events')
      .description(
        "PROJECT's reconcile passes, Spin's records and its containers' engine events, oldest first",
      )
      .argument('<project>', 'project name')
      .option('--limit <n>', 'how many of the newest entries', '100')
      .option('--json', 'print JSON'),
  ).action(
    withExit(async (name: string, options: ServerOptions & { limit: string; json?: boolean }) => {
      const body = (await apiRequest(
        options,
        'GET',
        `/api/v1/projects/${projectRef(name)}/events?limit=${Number(options.limit) || 100}`,
      )) as { events: TimelineEntry[] };
      if (options.json) printJson(body);
      else {
        const rows = body.events.map((e) => [e.at, e.source, e.kind, e.message]);
        console.log(table(['TIME', 'SOURCE', 'KIND', 'WHAT'], rows));
      }
      return EXIT.ok;
    }),
  );
}
