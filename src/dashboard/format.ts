/** Commit, time and duration formats shared by every dashboard view (and mirrored in the client script). */

export const SHORT_SHA = 7;

export function shortSha(sha: string): string {
  return sha.slice(0, SHORT_SHA);
}

/** "12s ago", "3m ago", "5h ago", "4d ago"; a time in the future (clock skew) reads "just now". */
export function formatAge(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  const seconds = Math.floor((now - then) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** What a person reads for a project: `<project>/<env>` for an environment (docs/environments.md). */
export function shownName(status: {
  project: string;
  environment?: { project: string; name: string };
}): string {
  return status.environment ? `${status.environment.project}/${status.environment.name}` : status.project;
}
