import { loadConfigFile } from '../config/load.js';
import type { SpinConfig } from '../config/types.js';
import { CliError, EXIT } from './output.js';
import { printDiagnostics } from './commands/validate.js';

/** Loads the daemon config or ends the command with exit code 2 and located errors. */
export async function requireConfig(file: string): Promise<SpinConfig> {
  const result = await loadConfigFile(file);
  if (!result.ok) {
    printDiagnostics(result.diagnostics);
    throw new CliError(`invalid config ${file}`, EXIT.usage);
  }
  return result.config;
}
