/** A gate finding as an ordinary located Diagnostic: at the field that produced it, when written. */
import { formatPath, type Diagnostic, type PathSegment } from '../../stack/diagnostics.js';
import type { LocatedDocument } from '../../stack/source.js';
import type { AdmissionFinding } from './context.js';

/** With the stack document: the first of the finding's fields the file actually writes. */
export function locateFinding(finding: AdmissionFinding, document: LocatedDocument): Diagnostic {
  const base = subjectPath(finding);
  const candidates = [...finding.fields.map((f) => [...base, ...f]), base];
  const path = candidates.find((p) => exists(document.value, p)) ?? base;
  const { line, column } = document.locate(path);
  return {
    file: document.file,
    line,
    column,
    rule: finding.rule,
    message: finding.message,
    path: formatPath(path),
  };
}

/** Without a document (the driver, just before a create call): one line for logs and errors. */
export function describeFinding(finding: AdmissionFinding): string {
  const what = finding.subject.name === '' ? 'project' : `${finding.subject.kind} ${finding.subject.name}`;
  return `${finding.rule}: ${what}: ${finding.message} (request field ${finding.request || '(body)'})`;
}

function subjectPath(finding: AdmissionFinding): PathSegment[] {
  const { kind, name } = finding.subject;
  if (name === '') return ['services'];
  return [kind === 'service' ? 'services' : kind === 'volume' ? 'volumes' : 'networks', name];
}

function exists(root: unknown, path: readonly PathSegment[]): boolean {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return false;
    if (!Object.hasOwn(node, String(segment))) return false;
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return true;
}
