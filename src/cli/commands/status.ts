import type { Command } from 'commander';
import { StatusStore } from '../../status/store.js';
import { unknownStatus, type ProjectStatus } from '../../status/project-status.js';
import { requireConfig } from '../load-config.js';
import { age, CliError, EXIT, printJson, shortSha, table } from '../output.js';
import { apiRequest, DEFAULT_SERVER } from '../api-client.js';
import { withExit } from '../action.js';

/** `spin status`: one row per project, from the daemon's API or its state directory. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show sync, health, commits and the last error of every project')
    .option('--config <file>', 'read the state the daemon keeps under stateDir')
    .option('--server <url>', `ask a running daemon (default ${DEFAULT_SERVER} when --config is not given)`)
    .option('--token <token>', 'API bearer token (default: $SPIN_TOKEN)')
    .option('--json', 'print JSON')
    .action(
      withExit(async (options: { config?: string; server?: string; token?: string; json?: boolean }) => {
        if (options.config && options.server)
          throw new CliError('give either --config or --server, not both');
        const statuses = options.config
          ? await fromStateDir(options.config)
          : await fromServer(options.server, options.token);
        if (options.json) printJson(statuses);
        else console.log(renderStatusTable(statuses));
        return EXIT.ok;
      }),
    );
}

async function fromStateDir(file: string): Promise<ProjectStatus[]> {
  const config = await requireConfig(file);
  const store = new StatusStore(config.stateDir);
  const projects = new Map(config.projects.map((p) => [p.name, p]));
  const names = [...projects.keys()].sort();
  return Promise.all(
    names.map(
      async (name) => (await store.read(name)) ?? unknownStatus(name, projects.get(name)?.environment),
    ),
  );
}

async function fromServer(server = DEFAULT_SERVER, token?: string): Promise<ProjectStatus[]> {
  const body = (await apiRequest({ server, token }, 'GET', '/api/v1/projects')) as {
    projects: ProjectStatus[];
  };
  return body.projects;
}

export function renderStatusTable(statuses: ProjectStatus[]): string {
  const rows = statuses.map((s) => [
    s.environment ? `${s.environment.project}/${s.environment.name}` : s.project,
    s.suspended ? `${s.sync} (suspended)` : s.sync,
    s.health,
    shortSha(s.desiredCommit),
    shortSha(s.appliedCommit),
    age(s.lastReconcile),
    s.lastError ? `${s.lastError.reason}: ${s.lastError.message}` : '',
  ]);
  return table(['PROJECT', 'SYNC', 'HEALTH', 'DESIRED', 'APPLIED', 'RECONCILED', 'LAST ERROR'], rows);
}
