import { Command, CommanderError } from 'commander';
import { registerBackup } from './commands/backup.js';
import { registerConfig } from './commands/config.js';
import { registerDaemon } from './commands/daemon.js';
import { registerDiff } from './commands/diff.js';
import { registerEvents } from './commands/events.js';
import { registerLogs } from './commands/logs.js';
import { registerPlan } from './commands/plan.js';
import { registerSecret } from './commands/secret.js';
import { registerStatus } from './commands/status.js';
import { registerSync } from './commands/sync.js';
import { registerPromote } from './commands/promote.js';
import { registerToken } from './commands/token.js';
import { registerRemote } from './commands/remote.js';
import { registerValidate } from './commands/validate.js';
import { registerVersion } from './commands/version.js';
import { CliError, EXIT } from './output.js';
import { exitState } from './action.js';
import { buildInfo } from '../util/version.js';

/** Every command's action returns its exit code; errors map to the contract's codes. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('spin')
    .description('GitOps for research science gateways on Docker')
    .version(buildInfo().version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of [
    registerDaemon,
    registerValidate,
    registerConfig,
    registerPlan,
    registerStatus,
    registerSync,
    registerPromote,
    registerRemote,
    registerLogs,
    registerEvents,
    registerDiff,
    registerSecret,
    registerToken,
    registerBackup,
    registerVersion,
  ]) {
    register(program);
  }
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv);
    return exitState.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`spin: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
