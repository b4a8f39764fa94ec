import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadPolicyFile, resolvePolicy, type ResolvedPolicy } from '../../policy/index.js';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../stack/diagnostics.js';
import { FolderReader } from '../../stack/fs-reader.js';
import { loadStack } from '../../stack/load.js';
import { isWarning } from '../../stack/severity.js';
import type { StackModel } from '../../stack/model.js';
import { collectEnv, resolveEnvOptions } from '../env-options.js';
import { CliError, EXIT, printJson } from '../output.js';
import { withExit } from '../action.js';
import { gateStack, jsonDiagnostic, type OpenedStack } from '../stack-gate.js';
import { runFix, type FixOptions } from './validate-fix.js';

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
    .option('--fix', 'write the hardening the policy asks for into the stack file and print the diff')
    .option('--dry-run', 'with --fix: print the diff, write nothing')
    .option('--no-engine', 'with --fix: do not ask the Docker engine for image digests')
    .action(
      withExit(async (target: string, options: StackOptions & FixOptions & { policy?: string }) => {
        const stack = await openStack(target, options);
        const policy = await policyFor(options.policy);
        if (options.fix) return runFix(stack, policy, options);
        if (options.dryRun) throw new CliError('--dry-run only goes with --fix');
        const result = await gateStack(stack, policy);
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

export type { OpenedStack } from '../stack-gate.js';

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

export function policyName(file: string | undefined): string {
  return file ? path.basename(file) : 'spin-default';
}

/** One `FILE:LINE:COL: RULE: message` line each on stderr; warnings are marked and do not fail. */
export function printDiagnostics(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics)
    console.error(isWarning(d) ? `${formatDiagnostic(d)} (warning)` : formatDiagnostic(d));
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
