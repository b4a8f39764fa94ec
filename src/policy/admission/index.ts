/** The last gate: pure judgements of the engine request bodies against the project's policy. */
export { admitContainer, SPIN_CONTAINER_LABELS } from './container.js';
export type { AdmissionContext, AdmissionFinding, AdmissionSubject } from './context.js';
export { describeFinding, locateFinding } from './locate.js';
export { admitNetwork } from './network.js';
export { admitProject, type ProjectRequests } from './project.js';
export { admitVolume } from './volume.js';
