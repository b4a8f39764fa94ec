import { ImagePullError, type RegistryAuth } from '../../model/image.js';

/**
 * The tags of one repository, from the registry's own API (`GET /v2/<name>/tags/list`, the
 * distribution spec), for the semver image-update mode. The engine has no endpoint for this, so
 * Spin asks the registry itself, with the same login the engine gets for that host and only for
 * that host: HTTP basic as offered, or the bearer token flow (the login sent to the token realm
 * the registry names, as `docker login` does). Loopback registries speak plain HTTP (the engine
 * also treats them as insecure); every other host is asked over HTTPS.
 */
export interface TagListOptions {
  /** The login for `host`, if it has one. */
  auth?: RegistryAuth;
  /** Per request; a registry that hangs must not hold a pass. */
  timeoutMs?: number;
  /** Injected in tests; default: the global fetch. */
  fetch?: typeof fetch;
}

/** Pages followed at most (n=1000 tags each): more than any repository a stack follows. */
const MAX_PAGES = 20;
const DEFAULT_TIMEOUT_MS = 30_000;

export async function listTags(
  host: string,
  repository: string,
  options: TagListOptions = {},
): Promise<string[]> {
  const ref = `${host}/${repository}`;
  const base = registryBaseUrl(host);
  const doFetch = options.fetch ?? fetch;
  let authorization: string | undefined;
  const tags: string[] = [];
  let next: string | undefined = `${base}/v2/${repository}/tags/list?n=1000`;
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const url: string = next;
    let res = await request(doFetch, url, authorization, options, ref);
    if (res.status === 401 && authorization === undefined) {
      authorization = await answerChallenge(
        doFetch,
        res.headers.get('www-authenticate'),
        repository,
        options,
        ref,
      );
      if (authorization) res = await request(doFetch, url, authorization, options, ref);
    }
    if (!res.ok) throw statusError(res.status, ref, host, options.auth !== undefined);
    const body = (await res.json().catch(() => undefined)) as { tags?: unknown } | undefined;
    const pageTags = Array.isArray(body?.tags) ? body.tags : [];
    tags.push(...pageTags.filter((t): t is string => typeof t === 'string'));
    next = nextPage(res.headers.get('link'), base);
  }
  return tags;
}

/** `docker.io` is served at registry-1.docker.io; loopback over plain HTTP. */
export function registryBaseUrl(host: string): string {
  if (host === 'docker.io') return 'https://registry-1.docker.io';
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = name === 'localhost' || name === '::1' || /^127\./.test(name);
  return `${loopback ? 'http' : 'https'}://${host}`;
}

async function request(
  doFetch: typeof fetch,
  url: string,
  authorization: string | undefined,
  options: TagListOptions,
  ref: string,
): Promise<Response> {
  try {
    return await doFetch(url, {
      headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
      // A redirect is not followed: the login must stay with the host it was configured for.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const why =
      err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new ImagePullError(
      'RegistryUnreachable',
      ref,
      `RegistryUnreachable: listing the tags of ${ref} failed (${why}); check that the registry is up and reachable from the daemon`,
    );
  }
}

/** The Authorization header that answers a 401's challenge, or undefined when there is none to give. */
async function answerChallenge(
  doFetch: typeof fetch,
  header: string | null,
  repository: string,
  options: TagListOptions,
  ref: string,
): Promise<string | undefined> {
  const challenge = parseChallenge(header ?? '');
  const basic = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
    : undefined;
  if (challenge?.scheme === 'basic') return basic;
  if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return undefined;
  const realm = new URL(challenge.params.realm);
  if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
  realm.searchParams.set('scope', `repository:${repository}:pull`);
  const res = await request(doFetch, realm.toString(), basic, options, ref);
  if (!res.ok) return undefined;
  const body = (await res.json().catch(() => undefined)) as
    { token?: unknown; access_token?: unknown } | undefined;
  const token = body?.token ?? body?.access_token;
  return typeof token === 'string' && token !== '' ? `Bearer ${token}` : undefined;
}

/** `Bearer realm="https://auth/token",service="reg"` -> scheme and parameters. */
export function parseChallenge(
  header: string,
): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
    if (p[1]) params[p[1].toLowerCase()] = p[2] ?? '';
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** The `rel="next"` page of a Link header, on the same registry only. */
function nextPage(link: string | null, base: string): string | undefined {
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link ?? '');
  if (!m?.[1]) return undefined;
  const url = new URL(m[1], base);
  return url.origin === new URL(base).origin ? url.toString() : undefined;
}

function statusError(status: number, ref: string, host: string, hadLogin: boolean): ImagePullError {
  if (status === 401 || status === 403) {
    const fix = hadLogin
      ? `the login for ${host} was refused; check registries.${host} in the daemon config`
      : `no login is configured for ${host}; add one under registries: in the daemon config`;
    return new ImagePullError(
      'ImageUnauthorized',
      ref,
      `ImageUnauthorized: listing the tags of ${ref}: ${fix}`,
    );
  }
  if (status === 404) {
    return new ImagePullError(
      'ImageNotFound',
      ref,
      `ImageNotFound: the registry has no repository ${ref}; push an image to it first`,
    );
  }
  return new ImagePullError(
    'ImagePullFailed',
    ref,
    `ImagePullFailed: listing the tags of ${ref} answered HTTP ${status}`,
  );
}
