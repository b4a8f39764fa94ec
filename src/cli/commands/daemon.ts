import type { Command } from 'commander';
import { withExit } from '../action.js';

/** `spin daemon`: reconcile until SIGTERM/SIGINT, then stop without touching the containers. */
export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the reconciler until SIGTERM or SIGINT')
    .requiredOption('--config <file>', 'daemon config file (YAML)')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option('--log-pretty', 'human-readable logs for a terminal')
    .action(
      withExit(async (options: { config: string; logLevel: string; logPretty?: boolean }) => {
        // Loaded on demand: the daemon's dependencies (SQLite, openpgp, metrics) would slow every
        // other command's start.
        const { runDaemon } = await import('../run-daemon.js');
        return runDaemon(options);
      }),
    );
}
