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

export const containerName = (project: string, service: string, replica: number): string =>
  `${project}-${service}-${replica}`;
export const networkName = (project: string, key: string): string => `${project}_${key}`;
export const volumeName = (project: string, key: string): string => `${project}_${key}`;
