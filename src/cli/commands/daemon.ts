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
    .option(
      '--shard <I/N>',
      'reconcile only shard I of N (by a hash of the project name) when N daemons share the config; overrides shard.index/count',
    )
    .action(
      withExit(async (options: { config: string; logLevel: string; logPretty?: boolean; shard?: string }) => {
        // Loaded on demand: the daemon's dependencies (SQLite, openpgp, metrics) would slow every
        // other command's start.
        const { runDaemon } = await import('../run-daemon.js');
        return runDaemon(options);
      }),
    );
}
