import path from 'node:path';
import type { Command } from 'commander';
import { createBackup } from '../backup/create.js';
import { restoreBackup, RestoreRefused } from '../backup/restore.js';
import { withExit } from '../action.js';
import { requireConfig } from '../load-config.js';
import { CliError, EXIT, printJson } from '../output.js';

/**
 * `spin backup DIR` and `spin restore DIR`: the precious part of a stateDir (history, secret store
 * and key, statuses) copied while the daemon runs, and put back into a stopped or fresh one.
 * docs/operations.md says what is precious and how upgrades and rollbacks use this.
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description("copy the daemon's history, secret store and key into a new folder (safe while it runs)")
    .argument('<dir>', 'a folder that does not exist yet; created with mode 0700')
    .requiredOption('--config <file>', 'daemon config file (for stateDir and secrets settings)')
    .option('--json', 'print the manifest as JSON')
    .action(
      withExit(async (dir: string, options: { config: string; json?: boolean }) => {
        const config = await requireConfig(options.config);
        const manifest = await createBackup(
          { stateDir: config.stateDir, keyFile: config.secrets.keyFile, keyEnv: config.secrets.keyEnv },
          dir,
        ).catch((err: unknown) => {
          throw new CliError(`backup failed: ${(err as Error).message}`, EXIT.usage);
        });
        if (options.json) {
          printJson(manifest);
          return EXIT.ok;
        }
        console.log(
          `backed up ${manifest.files.length} files (history schema ${manifest.schemaVersion}) to ${path.resolve(dir)}`,
        );
        if (manifest.key.kind === 'env') {
          process.stderr.write(
            `spin: the secret store key comes from $${manifest.key.variable} and is not in the backup; keep its value with the backup\n`,
          );
        }
        process.stderr.write(
          'spin: the backup holds the secret store key: keep it as safe as the key itself\n',
        );
        return EXIT.ok;
      }),
    );

  program
    .command('restore')
    .description("restore a spin backup into a stopped daemon's stateDir (or a fresh one)")
    .argument('<dir>', 'a folder written by spin backup')
    .option('--state-dir <dir>', 'the stateDir to restore into')
    .option('--config <file>', 'take the stateDir from this daemon config instead')
    .option('--force', 'replace the history, secrets and statuses a non-empty stateDir already holds')
    .option('--json', 'print what was restored as JSON')
    .action(
      withExit(
        async (
          dir: string,
          options: { stateDir?: string; config?: string; force?: boolean; json?: boolean },
        ) => {
          if ((options.stateDir === undefined) === (options.config === undefined)) {
            throw new CliError('give exactly one of --state-dir DIR or --config FILE', EXIT.usage);
          }
          const stateDir =
            options.stateDir !== undefined
              ? path.resolve(options.stateDir)
              : (await requireConfig(options.config as string)).stateDir;
          const result = await restoreBackup(dir, stateDir, { force: options.force }).catch(
            (err: unknown) => {
              if (err instanceof RestoreRefused)
                throw new CliError(`restore refused: ${err.message}`, EXIT.invalid);
              throw new CliError(`restore failed: ${(err as Error).message}`, EXIT.usage);
            },
          );
          if (options.json) {
            printJson({ stateDir, restored: result.restored, manifest: result.manifest });
          } else {
            console.log(
              `restored ${result.restored.length} files from the backup of ${result.manifest.createdAt} into ${stateDir}; start the daemon to carry on`,
            );
          }
          if (result.externalKey) {
            process.stderr.write(
              `spin: the store key was secrets.keyFile ${result.externalKey.originalPath}: put ${result.externalKey.backupCopy} there (mode 0600) if it is not\n`,
            );
          }
          if (result.manifest.key.kind === 'env') {
            process.stderr.write(
              `spin: the store key came from $${result.manifest.key.variable}: set it for the daemon as before\n`,
            );
          }
          return EXIT.ok;
        },
      ),
    );
}
