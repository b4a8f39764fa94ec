interface RepoKey {
  host: string;
  /** Explicit non-default port of an http(s) URL, else ''. */
  port: string;
  path: string;
  http: boolean;
}

/** `git@host:owner/repo.git` (scp-like syntax, no scheme). */
const SCP_LIKE = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/;

function normalisePath(p: string): string {
  let out = p;
  try {
    out = decodeURIComponent(out);
  } catch {
    /* keep as is */
  }
  return out
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/^\/+/, '')
    .toLowerCase();
}

function repoKey(url: string): RepoKey | undefined {
  const text = url.trim();
  if (!text.includes('://')) {
    const m = SCP_LIKE.exec(text);
    if (!m?.[1] || !m[2]) return undefined;
    return { host: m[1].toLowerCase(), port: '', path: normalisePath(m[2]), http: false };
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return undefined;
  }
  const http = parsed.protocol === 'http:' || parsed.protocol === 'https:';
  // URL drops the default port of http(s) itself; credentials are simply not part of the key.
  return {
    host: parsed.hostname.toLowerCase(),
    port: http ? parsed.port : '',
    path: normalisePath(parsed.pathname),
    http,
  };
}

/**
 * Whether a webhook's repository is the configured one. URLs are compared by host and path,
 * ignoring credentials, a trailing `.git` or slash, and case (forges treat owner and name
 * case-insensitively). The scheme is ignored so an `https://` configuration matches the event's
 * `ssh_url` as well; ports are compared only between two http(s) URLs, because forges advertise
 * ssh on a different port than the web.
 */
export function matchesRepo(configuredUrl: string, eventUrls: readonly string[]): boolean {
  const want = repoKey(configuredUrl);
  if (!want || !want.path) return false;
  return eventUrls.some((url) => {
    const got = repoKey(url);
    if (!got || got.host !== want.host || got.path !== want.path) return false;
    return !(got.http && want.http) || got.port === want.port;
  });
}
