import { CliError, EXIT } from './output.js';
import { environmentUnitName } from '../config/environments.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:7070';

export interface ServerOptions {
  server: string;
  /** Bearer token; defaults to SPIN_TOKEN from the environment. */
  token?: string;
}

/** JSON over HTTP to a running daemon; connection and HTTP errors become CLI errors. */
export async function apiRequest(
  options: ServerOptions | string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const { server, token } = typeof options === 'string' ? { server: options, token: undefined } : options;
  const bearer = token ?? process.env.SPIN_TOKEN;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  // Write endpoints take only JSON bodies (src/api/write-guard.ts): a write sends at least {}.
  if (body === undefined && method !== 'GET') body = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, server), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    throw new CliError(
      `cannot reach the daemon at ${server}: ${cause?.code ?? (err as Error).message}`,
      EXIT.usage,
    );
  }
  const parsed = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) {
    const code = response.status === 404 || response.status === 409 ? EXIT.invalid : EXIT.usage;
    throw new CliError(`${response.status} ${parsed.error ?? response.statusText}`, code);
  }
  return parsed;
}

/**
 * A streamed GET (text): each chunk goes to `onText` as it arrives; resolves when the daemon
 * ends the answer. HTTP errors become CLI errors with the daemon's `{error}` message.
 */
export async function apiStream(
  options: ServerOptions,
  path: string,
  onText: (text: string) => void,
): Promise<void> {
  const bearer = options.token ?? process.env.SPIN_TOKEN;
  const headers: Record<string, string> = { accept: 'text/plain, application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let response: Response;
  try {
    response = await fetch(new URL(path, options.server), { headers });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    throw new CliError(
      `cannot reach the daemon at ${options.server}: ${cause?.code ?? (err as Error).message}`,
      EXIT.usage,
    );
  }
  if (!response.ok || !response.body) {
    const parsed = (await response.json().catch(() => ({}))) as { error?: string };
    const code = response.status === 404 ? EXIT.invalid : EXIT.usage;
    throw new CliError(`${response.status} ${parsed.error ?? response.statusText}`, code);
  }
  const decoder = new TextDecoder();
  for await (const chunk of response.body) onText(decoder.decode(chunk, { stream: true }));
  onText(decoder.decode());
}

/** `--server` and `--token` for every command that talks to a running daemon. */
export function serverOptions<
  T extends { option(flags: string, description: string, defaultValue?: string): T },
>(command: T): T {
  return command
    .option('--server <url>', 'daemon API address', DEFAULT_SERVER)
    .option('--token <token>', 'API bearer token (default: $SPIN_TOKEN)');
}

/**
 * A project as the API path names it: `gateway/dev` (how `spin status` shows an environment) is
 * the internal `gateway--dev` (src/config/environments.ts); anything else as it is, encoded.
 */
export function projectRef(name: string): string {
  const env = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9-]*)$/.exec(name);
  return encodeURIComponent(env ? environmentUnitName(env[1] as string, env[2] as string) : name);
}
