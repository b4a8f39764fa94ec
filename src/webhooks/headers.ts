/** Node's IncomingHttpHeaders (lower-case names) or any plain record of headers. */
export type Headers = Record<string, string | string[] | undefined>;

/** A header's single value, looked up case-insensitively; the first one when repeated. */
export function header(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
