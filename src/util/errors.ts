/** The human part of an error: dockerode errors carry the engine's JSON body, others a message. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const json = (err as { json?: { message?: string } }).json;
    if (json?.message) return json.message;
    if (err instanceof Error) return err.message;
  }
  return String(err);
}
