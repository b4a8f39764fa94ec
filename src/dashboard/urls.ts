/** Where things live, relative to the daemon's root or a reverse proxy's prefix (`basePath`). */
export function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export function projectPageUrl(basePath: string, project: string): string {
  return `${basePath}/projects/${encodeURIComponent(project)}`;
}

export function projectsApiUrl(basePath: string): string {
  return `${basePath}/api/v1/projects`;
}

export function projectApiUrl(basePath: string, project: string): string {
  return `${basePath}/api/v1/projects/${encodeURIComponent(project)}`;
}
