/**
 * Argo CD's health words, shared by everyone who stores, shows or counts a health (status,
 * history, metrics, dashboard); the reconciler decides them (src/reconciler/health.ts).
 */
export type Health = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Unknown';

export interface HealthVerdict {
  health: Health;
  reason: string;
}
