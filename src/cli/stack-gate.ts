/** The stack a command works on (a folder or a stack file) and the commit gate run on it. */
import { engineRules } from '../drivers/create-driver.js';
import { loadDesired } from '../reconciler/desired.js';
import { gateCommit } from '../reconciler/gate.js';
import type { Diagnostic } from '../stack/diagnostics.js';
import type { FolderReader } from '../stack/fs-reader.js';
import { severityOf } from '../stack/severity.js';
import type { FileReader } from '../stack/source.js';
import type { ResolvedPolicy } from '../policy/index.js';

export interface OpenedStack {
  reader: FolderReader;
  /** Explicit stack file name when PATH named a file; undefined to search the usual names. */
  file?: string;
  env: Record<string, string>;
  project: string;
  label: string;
}

/** The daemon's gate with the working tree as the commit: no signature, no secret values. */
export function gateStack(stack: OpenedStack, policy: ResolvedPolicy, reader: FileReader = stack.reader) {
  return gateCommit('working-tree', {
    load: (commit) =>
      loadDesired(reader, commit, {
        project: stack.project,
        env: stack.env,
        stackDir: '',
        policy,
        file: stack.file,
        engine: engineRules(),
      }),
  });
}

export function jsonDiagnostic(d: Diagnostic) {
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
