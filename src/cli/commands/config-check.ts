import path from 'node:path';
import type { Command } from 'commander';
import { sortDiagnostics, type Diagnostic } from '../../stack/diagnostics.js';
import { withExit } from '../action.js';
import { loadConfigFile } from '../load-config.js';
import { EXIT, printJson } from '../output.js';
import { printDiagnostics } from './validate.js';

/**
 * `spin config check --config FILE`: the daemon's own loading (main file, projects.d, the files
 * they name, keys) without starting anything, so a change can be checked before the daemon sees
 * it (a bad config is refused by a running daemon, but only in its log).
 */
export function registerConfigCheck(config: Command): void {
  config
    .command('check')
    .description('check a daemon config file and its projects.d folder without starting anything')
    .requiredOption('--config <file>', 'daemon config file')
    .option('--json', 'print {valid, projects, errors} as JSON')
    .action(
      withExit(async (_own: unknown, command: Command) => {
        // `spin config` has its own --json, which commander gives the parent: read both.
        const options = command.optsWithGlobals<{ config: string; json?: boolean }>();
        const result = await loadConfigFile(options.config);
        const errors = result.ok ? [] : sortDiagnostics(result.diagnostics);
        const projects = result.ok
          ? result.config.projects.map((p) => ({ name: p.name, file: p.definedIn ?? result.config.file }))
          : [];
        if (options.json) printJson({ valid: result.ok, projects, errors: errors.map(jsonDiagnostic) });
        else {
          printDiagnostics(errors);
          if (result.ok) {
            const files = new Set(projects.map((p) => path.relative(process.cwd(), p.file) || p.file));
            const count = projects.length;
            console.log(
              `${options.config}: valid (${count} project${count === 1 ? '' : 's'} from ${[...files].join(', ') || 'no file'})`,
            );
          }
        }
        if (result.ok) return EXIT.ok;
        // Like `spin validate`: 2 when the file itself cannot be read, 1 when it is invalid.
        return errors.some((d) => d.rule === 'config.read' && d.file === options.config)
          ? EXIT.usage
          : EXIT.invalid;
      }),
    );
}

function jsonDiagnostic(d: Diagnostic) {
  return { file: d.file, line: d.line, column: d.column, rule: d.rule, message: d.message, path: d.path };
}
