/**
 * Argo CD's health words, shared by everyone who stores, shows or counts a health (status,
 * history, metrics, dashboard); each driver judges them for its kinds (Docker: src/drivers/docker/health.ts).
 */
export type Health = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Unknown';

export interface HealthVerdict {
  health: Health;
  reason: string;
}

/** A project's health: its worst service's, with each service's verdict. */
export interface ProjectHealth extends HealthVerdict {
  services: Record<string, HealthVerdict>;
}
