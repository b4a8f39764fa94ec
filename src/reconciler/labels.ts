/** The label keys and engine names fixed by the product contract (shared/product.md). */
export const LABEL = {
  managed: 'spin.managed',
  project: 'spin.project',
  service: 'spin.service',
  replica: 'spin.replica',
  commit: 'spin.commit',
  configHash: 'spin.config-hash',
  network: 'spin.network',
  volume: 'spin.volume',
} as const;

export {
  containerName,
  legacyContainerName,
  networkName,
  parseContainerName,
  temporaryName,
  volumeName,
} from '../stack/names.js';
