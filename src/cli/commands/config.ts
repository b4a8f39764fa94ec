import type { Command } from 'commander';
import { stringify } from 'yaml';
import { applyPolicyDefaults, BUILTIN_DEFAULT_POLICY } from '../../policy/index.js';
import { sortDiagnostics } from '../../stack/diagnostics.js';
import { collectEnv } from '../env-options.js';
import { EXIT, printJson } from '../output.js';
import { loadModel, openStack, printDiagnostics } from './validate.js';
import { withExit } from '../action.js';
import { registerConfigCheck } from './config-check.js';

/** `spin config`: the stack after interpolation and normalisation, as the daemon would run it. */
export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .description('print the resolved stack after interpolation and normalisation')
    .argument('[path]', 'stack folder or stack file', '.')
    .option('--env <KEY=VALUE>', 'variable for interpolation (repeatable)', collectEnv)
    .option('--env-file <file>', 'dotenv file with variables for interpolation')
    .option('--project <name>', 'project name (default: the folder name)')
    .option('--json', 'print JSON instead of YAML')
    .action(
      withExit(
        async (
          target: string,
          options: { env?: string[]; envFile?: string; project?: string; json?: boolean },
        ) => {
          const stack = await openStack(target, options);
          const { model, diagnostics } = await loadModel(stack);
          if (!model) {
            printDiagnostics(sortDiagnostics(diagnostics));
            return EXIT.invalid;
          }
          // Warnings go to stderr, so stdout stays the resolved stack (for a pipe or a file).
          printDiagnostics(sortDiagnostics(diagnostics));
          // As the daemon would run it: with what the built-in policy fills in (pids, logging).
          const filled = applyPolicyDefaults(model, BUILTIN_DEFAULT_POLICY);
          if (options.json) printJson(filled);
          else process.stdout.write(stringify(filled, { sortMapEntries: false }));
          return EXIT.ok;
        },
      ),
    );
  registerConfigCheck(config);
}
