/**
 * Errors as values: every problem found in a stack, a config or a policy check is a Diagnostic
 * with a stable rule id and a location, so the CLI, the logs and commit statuses can all print
 * `FILE:LINE:COL: RULE: message` without re-deriving anything.
 */
export interface Diagnostic {
  /** Path of the file as the user knows it (relative to the repository or the CLI's cwd). */
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. a missing file). */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  /** Stable id, e.g. `yaml.syntax`, `schema.type`, `interpolate.required`, `unsupported.build`. */
  rule: string;
  message: string;
  /** Dotted path in the document, e.g. `services.web.ports.0`; '' for the document itself. */
  path: string;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.rule}: ${d.message}`;
}

/** Sort by file, then position, so output is stable and reads top to bottom. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule),
  );
}
