import { stdSerializers } from 'pino';

/** What a logged error keeps: enough to find the bug, nothing a library happened to attach. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  statusCode?: number;
  reason?: string;
}

// Credentials in a URL (`https://user:token@host/...`), as src/git's redactUrl removes them from
// messages; here on every occurrence, since a stack may repeat the message.
const URL_CREDENTIALS = /\/\/[^/@\s'"]*@/g;
// Authorization header values quoted in an error (an HTTP client dumping its request).
const AUTH_VALUE = /\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

export function scrubCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '//***@').replace(AUTH_VALUE, '$1 [redacted]');
}

/**
 * The `err` serialiser of Spin's logger: pino's (type, message and stack, with the causes'
 * appended), but an allow list of fields instead of every enumerable property, because errors
 * from libraries carry whole requests and responses (dockerode's `json`, an HTTP client's
 * `data` or `headers`) that may hold a token; and credentials in URLs scrubbed from the message
 * and the stack. Errors Spin makes never put a secret value in their message (secret delivery and
 * age decryption name files and secret names only); this is the net under that rule.
 */
export function serializeError(err: unknown): LoggedError {
  if (typeof err !== 'object' || err === null) {
    return { type: typeof err, message: scrubCredentials(String(err)) };
  }
  const raw = stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const out: LoggedError = {
    type: typeof raw.type === 'string' ? raw.type : 'Error',
    message: scrubCredentials(typeof raw.message === 'string' ? raw.message : String(raw.message)),
  };
  if (typeof raw.stack === 'string') out.stack = scrubCredentials(raw.stack);
  if (typeof raw.code === 'string' || typeof raw.code === 'number') out.code = raw.code;
  if (typeof raw.statusCode === 'number') out.statusCode = raw.statusCode;
  // SourceError and friends: a stable word saying what went wrong.
  if (typeof raw.reason === 'string') out.reason = scrubCredentials(raw.reason);
  // dockerode puts the engine's own explanation in json.message; the message alone may lack it.
  const json = (err as { json?: { message?: unknown } }).json;
  if (typeof json?.message === 'string' && !out.message.includes(json.message))
    out.message = `${out.message}: ${scrubCredentials(json.message)}`;
  return out;
}
