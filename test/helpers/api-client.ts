/**
 * Plain HTTP calls to a running daemon's API for end-to-end tests: what curl would see (status,
 * headers, body), with the token sent as a bearer token or, for browser pages, as Basic auth.
 */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The raw body. */
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: T;
}

export interface ApiCallOptions {
  token?: string;
  /** Send the token as `Basic base64(user:token)` instead of `Bearer token`. */
  basic?: boolean;
  /** JSON-encoded unless it is a string (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function callApi<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: ApiCallOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) {
    headers.authorization = options.basic
      ? `Basic ${Buffer.from(`operator:${options.token}`).toString('base64')}`
      : `Bearer ${options.token}`;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const send = () => fetch(new URL(path, baseUrl), { method, headers, body });
  let response: Response;
  try {
    response = await send();
  } catch (err) {
    // A reused keep-alive connection can be closed by the server just as a request goes out on
    // it. Browsers and curl send an idempotent request again then (RFC 9112 9.3.1); fetch does not.
    if (!IDEMPOTENT.has(method) || !closedUnderneath(err)) throw err;
    response = await send();
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A project's history events, newest first (`GET /api/v1/projects/P/history`, no token). */
export async function projectHistory(
  baseUrl: string,
  project: string,
): Promise<{ events: { kind: string; message: string }[] }> {
  return (
    await callApi<{ events: { kind: string; message: string }[] }>(
      baseUrl,
      'GET',
      `/api/v1/projects/${encodeURIComponent(project)}/history`,
    )
  ).body;
}

function closedUnderneath(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}
