import { CliError, EXIT } from './output.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:7070';

/** JSON over HTTP to a running daemon; connection and HTTP errors become CLI errors. */
export async function apiRequest(server: string, method: string, path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, server), { method, headers: { accept: 'application/json' } });
  } catch (err) {
    throw new CliError(
      `cannot reach the daemon at ${server}: ${(err as Error).cause ?? (err as Error).message}`,
      EXIT.usage,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok)
    throw new CliError(`${server}${path}: ${response.status} ${body.error ?? response.statusText}`);
  return body;
}
