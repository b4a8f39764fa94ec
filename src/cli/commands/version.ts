import type { Command } from 'commander';
import { buildInfo } from '../../util/version.js';
import { withExit } from '../action.js';
import { EXIT, printJson } from '../output.js';

/** `spin version`: the version (package.json) and the commit the build came from, if known. */
export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the Spin version and the git revision it was built from')
    .option('--json', 'print JSON')
    .action(
      withExit(async (options: { json?: boolean }) => {
        const info = buildInfo();
        if (options.json) printJson(info);
        else process.stdout.write(`spin ${info.version} (revision ${info.revision})\n`);
        return EXIT.ok;
      }),
    );
}
