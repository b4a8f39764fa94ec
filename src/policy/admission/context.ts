/**
 * The last gate's vocabulary. It judges the engine request bodies themselves (what the driver is
 * about to send), so its input is plain JSON and its verdicts are findings about a stack entry
 * (a service, a top-level volume or network) and the fields of it that produced the setting.
 */
import type { ResolvedPolicy, RuleGroupName, RuleId } from '../types.js';

export interface AdmissionContext {
  policy: ResolvedPolicy;
  project: string;
  /**
   * Engine names of this project's containers -> their service (from the reconciler's naming):
   * a `container:` join may only name one of another service of the stack. Names, not a prefix,
   * so a project whose name starts like this one's can never be joined.
   */
  containers: ReadonlyMap<string, string>;
  /**
   * Host folders whose files Spin writes itself (copies of repository files at the deployed
   * commit, delivered secret and config files). A bind from them must be read-only.
   */
  spinRoots: readonly string[];
}

export type AdmissionSubject =
  { kind: 'service'; name: string } | { kind: 'volume'; name: string } | { kind: 'network'; name: string };

export interface AdmissionFinding {
  rule: RuleId;
  message: string;
  subject: AdmissionSubject;
  /** Where in the subject's stack entry the setting may be written, most specific first. */
  fields: (string | number)[][];
  /** The request field judged, e.g. `HostConfig.Memory` (for logs of a refused create call). */
  request: string;
}

/** Collects findings for one subject; groups the operator disabled report nothing. */
export class Findings {
  readonly list: AdmissionFinding[] = [];

  constructor(
    readonly ctx: AdmissionContext,
    readonly subject: AdmissionSubject,
  ) {}

  get policy(): ResolvedPolicy {
    return this.ctx.policy;
  }

  enabled(group: RuleGroupName): boolean {
    return this.ctx.policy[group].enabled;
  }

  add(rule: RuleId, request: string, message: string, ...fields: (string | number)[][]): void {
    this.list.push({ rule, message, subject: this.subject, fields, request });
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The allow list itself: every key of `value` not in `known` is refused. `dangerous` names keys
 * whose refusal has a more useful rule and message than "unknown".
 */
export function refuseUnknownKeys(
  f: Findings,
  value: Record<string, unknown>,
  at: string,
  known: ReadonlySet<string>,
  dangerous: Readonly<Record<string, { rule: RuleId; message: string; field: readonly string[] }>> = {},
): void {
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    const hint = dangerous[key];
    if (hint) f.add(hint.rule, `${at}${key}`, hint.message, [...hint.field]);
    else {
      f.add(
        'admission.unknown-field',
        `${at}${key}`,
        `the engine request carries ${at}${key}, which the gate does not know; Spin refuses what it cannot judge`,
      );
    }
  }
}
