import { readFile } from 'node:fs/promises';
import { parseConfig, type ConfigResult } from '../config/load.js';
import { readProjectsDir } from '../config/projects-dir.js';
import type { SpinConfig } from '../config/types.js';
import { CliError, EXIT } from './output.js';
import { printDiagnostics } from './commands/validate.js';
import { readReferencedFiles } from './referenced-files.js';

/**
 * The daemon config as the daemon and the CLI use it: the file, parsed (pure, src/config/), then
 * the files it names read and their keys checked. That last step uses the secrets and trust code,
 * which sit above the config in the layers, hence it lives here and not in src/config/.
 */
export async function loadConfigFile(file: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
    const message = `cannot read config: ${reason}`;
    return { ok: false, diagnostics: [{ file, line: 0, column: 0, rule: 'config.read', message, path: '' }] };
  }
  // projects.d/*.yaml beside the file: read here (I/O), merged by parseConfig (pure).
  const extra = await readProjectsDir(file);
  // SPIN_STATE_DIR: the stateDir when the file has none (the container image sets it).
  const stateDir = process.env.SPIN_STATE_DIR || undefined;
  const parsed = parseConfig(file, text, extra.files, { stateDir });
  if (extra.diagnostics.length > 0) {
    return { ok: false, diagnostics: [...extra.diagnostics, ...(parsed.ok ? [] : parsed.diagnostics)] };
  }
  return parsed.ok ? readReferencedFiles(parsed.config) : parsed;
}

/** Loads the daemon config or ends the command with exit code 2 and located errors. */
export async function requireConfig(file: string): Promise<SpinConfig> {
  const result = await loadConfigFile(file);
  if (!result.ok) {
    printDiagnostics(result.diagnostics);
    throw new CliError(`invalid config ${file}`, EXIT.usage);
  }
  return result.config;
}
