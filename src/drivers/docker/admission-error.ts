import { describeFinding, type AdmissionFinding } from '../../policy/admission/index.js';

/**
 * The last gate refused a create call's exact body: nothing was sent. The commit gate renders and
 * judges the same bodies first, so this only fires when something between the two changed a
 * request (delivered secrets, a bug); the action fails like any engine error, and nothing is created.
 */
export class AdmissionError extends Error {
  constructor(readonly findings: AdmissionFinding[]) {
    super(`the policy refuses the engine request: ${findings.map(describeFinding).join('; ')}`);
    this.name = 'AdmissionError';
  }
}

export function refuseUnlessAdmitted(findings: AdmissionFinding[]): void {
  if (findings.length > 0) throw new AdmissionError(findings);
}
