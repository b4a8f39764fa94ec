import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadPolicyFile, resolvePolicy, type ResolvedPolicy } from '../../policy/index.js';
import { engineRules } from '../../drivers/create-driver.js';
import { loadDesired } from '../../reconciler/desired.js';
import { gateCommit } from '../../reconciler/gate.js';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../stack/diagnostics.js';
import { FolderReader } from '../../stack/fs-reader.js';
import { loadStack } from '../../stack/load.js';
import { isWarning, severityOf } from '../../stack/severity.js';
import type { StackModel } from '../../stack/model.js';
import { collectEnv, resolveEnvOptions } from '../env-options.js';
import { CliError, EXIT, printJson } from '../output.js';
import { withExit } from '../action.js';

interface StackOptions {
  env?: string[];
  envFile?: string;
  project?: string;
  json?: boolean;
}

/** `spin validate`: schema + policy, offline, exactly as the daemon gates a commit. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a stack against the schema and the security policy (offline, no Docker needed)')
    .argument('[path]', 'stack folder or stack file', '.')
    .option('--policy <file>', 'policy file (default: the built-in spin-default policy)')
    .option('--env <KEY=VALUE>', 'variable for interpolation (repeatable)', collectEnv)
    .option('--env-file <file>', 'dotenv file with variables for interpolation')
    .option('--project <name>', 'project name used for policy templates (default: the folder name)')
    .option('--json', 'print the errors and warnings as a JSON array (each with severity)')
    .action(
      withExit(async (target: string, options: StackOptions & { policy?: string }) => {
        const stack = await openStack(target, options);
        const policy = await policyFor(options.policy);
        // The daemon's gate with the working tree as the commit: no signature, no secret values.
        const result = await gateCommit('working-tree', {
          load: (commit) =>
            loadDesired(stack.reader, commit, {
              project: stack.project,
              env: stack.env,
              stackDir: '',
              policy,
              file: stack.file,
              engine: engineRules(),
            }),
        });
        const all = sortDiagnostics(result.ok ? result.warnings : result.diagnostics);
        // Errors and warnings alike, each with its severity; only errors make the stack invalid.
        if (options.json) printJson(all.map(jsonDiagnostic));
        else printDiagnostics(all);
        if (result.ok && !options.json) {
          const count = Object.keys(result.desired.model.services).length;
          console.log(
            `${stack.label}: valid (${count} service${count === 1 ? '' : 's'}, policy ${policyName(options.policy)})`,
          );
        }
        return result.ok ? EXIT.ok : EXIT.invalid;
      }),
    );
}

export interface OpenedStack {
  reader: FolderReader;
  /** Explicit stack file name when PATH named a file; undefined to search the usual names. */
  file?: string;
  env: Record<string, string>;
  project: string;
  label: string;
}

/** PATH may be a folder (the usual stack file names are searched) or a stack file. */
export async function openStack(target: string, options: StackOptions): Promise<OpenedStack> {
  const absolute = path.resolve(target);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch {
    throw new CliError(`${target}: no such file or folder`);
  }
  const dir = isFile ? path.dirname(absolute) : absolute;
  const env = await resolveEnvOptions(options.env, options.envFile);
  const project = options.project ?? projectNameFrom(dir);
  return {
    reader: new FolderReader(dir),
    file: isFile ? path.basename(absolute) : undefined,
    env,
    project,
    label: isFile ? target : path.join(target, '.'),
  };
}

export async function loadModel(
  stack: OpenedStack,
): Promise<{ model?: StackModel; diagnostics: Diagnostic[] }> {
  const loaded = await loadStack(stack.reader, { project: stack.project, env: stack.env, file: stack.file });
  return loaded.ok
    ? { model: loaded.model, diagnostics: loaded.diagnostics }
    : { diagnostics: loaded.diagnostics };
}

async function policyFor(file: string | undefined): Promise<ResolvedPolicy> {
  if (file) {
    const loaded = await loadPolicyFile(file);
    if (!loaded.ok) {
      printDiagnostics(loaded.diagnostics);
      throw new CliError(`policy file ${file} is invalid`);
    }
    return loaded.policy;
  }
  const builtin = resolvePolicy(undefined, {});
  if (!builtin.ok) throw new CliError(builtin.error);
  return builtin.policy;
}

function policyName(file: string | undefined): string {
  return file ? path.basename(file) : 'spin-default';
}

/** One `FILE:LINE:COL: RULE: message` line each on stderr; warnings are marked and do not fail. */
export function printDiagnostics(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics)
    console.error(isWarning(d) ? `${formatDiagnostic(d)} (warning)` : formatDiagnostic(d));
}

function jsonDiagnostic(d: Diagnostic) {
  return {
    file: d.file,
    line: d.line,
    column: d.column,
    rule: d.rule,
    severity: severityOf(d.rule),
    message: d.message,
    path: d.path,
  };
}

/** A folder name made into a valid project name, for policy templates like `{project}`. */
function projectNameFrom(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name || 'local';
}
