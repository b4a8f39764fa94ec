import type { Command } from 'commander';
import { withExit } from '../action.js';
import { apiRequest, serverOptions, type ServerOptions, projectRef } from '../api-client.js';
import { CliError, EXIT, printJson } from '../output.js';

interface PromoteOptions extends ServerOptions {
  from: string;
  to: string;
  json?: boolean;
}

interface Promoted {
  commit: string;
  from: string;
  to: string;
  branch: string;
  /** null when the promotion created the branch. */
  previous: string | null;
  created: boolean;
}

/**
 * `spin promote`: through the daemon (role operate on the project), fast-forward the `--to`
 * environment's branch (or create it) to a commit deployed healthy in `--from` that the `--to`
 * environment's own gate accepts (docs/environments.md).
 */
export function registerPromote(program: Command): void {
  serverOptions(
    program
      .command('promote')
      .description(
        "move the --to environment's branch to a commit deployed healthy in --from (a fast-forward push); the --to environment then deploys it",
      )
      .argument('<project>', 'project name')
      .argument(
        '[commit]',
        'sha (or a prefix of 7+ digits); default the newest commit deployed healthy in --from',
      )
      .requiredOption('--from <env>', 'the environment that proved the commit (e.g. dev)')
      .requiredOption('--to <env>', 'the environment whose branch moves (e.g. prod)')
      .option('--json', 'print JSON'),
  ).action(
    withExit(async (project: string, commit: string | undefined, options: PromoteOptions) => {
      let body: Promoted;
      try {
        body = (await apiRequest(options, 'POST', `/api/v1/projects/${projectRef(project)}/promote`, {
          from: options.from,
          to: options.to,
          ...(commit ? { commit } : {}),
        })) as Promoted;
      } catch (err) {
        if (!(err instanceof CliError) || !options.json) throw err;
        printJson({ promoted: false, error: err.message });
        return err.exitCode;
      }
      if (options.json) printJson({ promoted: true, ...body });
      else {
        const moved =
          body.previous === null
            ? `created ${body.branch} at it`
            : `${body.branch} moved from ${body.previous.slice(0, 12)}`;
        console.log(
          `promoted ${body.commit.slice(0, 12)} from ${body.from} to ${body.to}: ${moved}; ${body.to} deploys it at its next pass`,
        );
      }
      return EXIT.ok;
    }),
  );
}
