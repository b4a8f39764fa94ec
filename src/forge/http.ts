import { redactUrl } from '../git/http-source.js';
import { errorMessage } from '../util/errors.js';
import { redactSecret } from './token.js';
import { StatusDeliveryError } from './types.js';

export type FetchLike = typeof fetch;

export interface JsonRequest {
  /** Provider name, the first word of every error message. */
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Only used to scrub it out of anything that could reach a log. */
  token: string;
  timeoutMs: number;
  fetch: FetchLike;
}

export interface JsonResponse {
  status: number;
  statusText: string;
  text: string;
}

/**
 * POSTs a JSON body and returns the response whatever its status; throws a retryable
 * StatusDeliveryError when no response arrived (refused, reset, timed out).
 */
export async function postJson(req: JsonRequest): Promise<JsonResponse> {
  let res: Response;
  try {
    res = await req.fetch(req.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...req.headers },
      body: JSON.stringify(req.body),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    // undici hides the useful part ("ECONNREFUSED") in `cause`.
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause ? `${errorMessage(err)} (${errorMessage(cause)})` : errorMessage(err);
    throw new StatusDeliveryError(
      redactSecret(`${req.provider}: POST ${redactUrl(req.url)} failed: ${detail}`, req.token),
      true,
    );
  }
  const text = await res.text().catch(() => '');
  return { status: res.status, statusText: res.statusText, text };
}

/**
 * The error for a non-2xx answer. Rate limits (429), timeouts (408) and server errors (5xx) are
 * worth retrying; any other 4xx means the request itself is wrong (bad token, unknown repository,
 * invalid field) and repeating it cannot help.
 */
export function responseError(req: JsonRequest, res: JsonResponse): StatusDeliveryError {
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  const excerpt = res.text.replace(/\s+/g, ' ').trim().slice(0, 300);
  const message = `${req.provider}: POST ${redactUrl(req.url)} answered ${res.status} ${res.statusText}${
    excerpt ? `: ${excerpt}` : ''
  }`;
  return new StatusDeliveryError(redactSecret(message, req.token), retryable, res.status);
}

export function isSuccess(res: JsonResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/** `https://host/api/v4/` + `projects` → no doubled slashes, whatever the operator typed. */
export function joinUrl(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts].join('/');
}
