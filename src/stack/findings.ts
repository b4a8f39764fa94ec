import { formatPath, type Diagnostic, type PathSegment } from './diagnostics.js';
import type { LocatedDocument } from './source.js';

/** A problem found in plain data, before it is given a file and a position. */
export interface Finding {
  path: PathSegment[];
  rule: string;
  message: string;
}

export type Report = (path: readonly PathSegment[], rule: string, message: string) => void;

/** Where findings land: the document they came from, or nowhere (line and column 0). */
export type Source = Pick<LocatedDocument, 'file' | 'locate'>;

export function collector(): { report: Report; findings: Finding[] } {
  const findings: Finding[] = [];
  return { findings, report: (path, rule, message) => findings.push({ path: [...path], rule, message }) };
}

export function locateFindings(findings: readonly Finding[], source?: Source): Diagnostic[] {
  return findings.map(({ path, rule, message }) => ({
    file: source?.file ?? '',
    ...(source ? source.locate(path) : { line: 0, column: 0 }),
    rule,
    message,
    path: formatPath(path),
  }));
}
