import type { Command } from 'commander';
import type { ProjectStatus } from '../../status/project-status.js';
import { withExit } from '../action.js';
import { apiRequest, serverOptions, type ServerOptions, projectRef } from '../api-client.js';
import { age, EXIT, printJson, shortSha, table } from '../output.js';
import { renderStatusTable } from './status.js';

interface PassRow {
  id: number;
  startedAt: string;
  commit?: string;
  result: string;
  sync: string;
  health: string;
  durationMs: number;
  actions: unknown[];
  error?: { reason: string; message: string };
  /** The id the pass's log lines (`pass`) and commit status link carry; absent on older rows. */
  passId?: string;
}

const path = (name: string, verb = '') => `/api/v1/projects/${projectRef(name)}${verb}`;

/** Operator commands over the daemon's API: history, suspend, resume, rollback. */
export function registerRemote(program: Command): void {
  serverOptions(
    program
      .command('history')
      .description('recent reconcile passes of PROJECT, newest first')
      .argument('<project>', 'project name')
      .option('--limit <n>', 'how many passes', '20')
      .option('--json', 'print JSON'),
  ).action(
    withExit(async (name: string, options: ServerOptions & { limit: string; json?: boolean }) => {
      const body = (await apiRequest(
        options,
        'GET',
        `${path(name, '/history')}?limit=${Number(options.limit) || 20}`,
      )) as {
        passes: PassRow[];
      };
      if (options.json) printJson(body);
      else {
        const rows = body.passes.map((p) => [
          age(p.startedAt),
          p.passId ?? '-',
          shortSha(p.commit),
          p.result,
          p.sync,
          p.health,
          String(p.actions.length),
          `${p.durationMs}ms`,
          p.error ? `${p.error.reason}: ${p.error.message}` : '',
        ]);
        console.log(
          table(['WHEN', 'PASS', 'COMMIT', 'RESULT', 'SYNC', 'HEALTH', 'ACTIONS', 'TOOK', 'ERROR'], rows),
        );
      }
      return EXIT.ok;
    }),
  );

  for (const verb of ['suspend', 'resume'] as const) {
    serverOptions(
      program
        .command(verb)
        .description(
          verb === 'suspend'
            ? 'stop reconciling PROJECT (what runs is left alone)'
            : 'reconcile PROJECT again',
        )
        .argument('<project>', 'project name')
        .option('--json', 'print JSON'),
    ).action(
      withExit(async (name: string, options: ServerOptions & { json?: boolean }) => {
        const body = (await apiRequest(options, 'POST', path(name, `/${verb}`))) as { status: ProjectStatus };
        if (options.json) printJson(body);
        else console.log(renderStatusTable([body.status]));
        return EXIT.ok;
      }),
    );
  }

  serverOptions(
    program
      .command('rollback')
      .description(
        'run an earlier healthy commit of PROJECT until the branch moves on (default: the previous one)',
      )
      .argument('<project>', 'project name')
      .argument('[commit]', 'commit sha (or a prefix of at least 7 characters) that was deployed healthy')
      .option('--json', 'print JSON'),
  ).action(
    withExit(
      async (name: string, commit: string | undefined, options: ServerOptions & { json?: boolean }) => {
        if (!options.json) process.stderr.write(`rolling ${name} back${commit ? ` to ${commit}` : ''}...\n`);
        const body = (await apiRequest(
          options,
          'POST',
          path(name, '/rollback'),
          commit ? { commit } : {},
        )) as {
          commit: string;
          status: ProjectStatus;
          actions: number;
        };
        if (options.json) printJson(body);
        else {
          console.log(
            `running ${shortSha(body.commit)} (${body.actions} action${body.actions === 1 ? '' : 's'})`,
          );
          console.log(renderStatusTable([body.status]));
        }
        return EXIT.ok;
      },
    ),
  );
}
