import type { RepoAccess } from '../config/types.js';

/**
 * What a request to one project's repository carries: the Authorization header built from its
 * credential files (already read into the config), and the extra CA it trusts. Both stay out of
 * the URL, so nothing that prints a URL can leak them.
 */
export interface RepoTransport {
  /** `Basic …` or `Bearer …`; sent only to the repository's own origin. */
  authorization?: string;
  /** PEM text of the CA bundle trusted besides the public roots. */
  ca?: string;
  /** Secret texts to scrub from any error message a library builds. */
  secrets: string[];
}

export function repoTransport(access: RepoAccess | undefined): RepoTransport {
  const auth = access?.auth;
  const transport: RepoTransport = { secrets: [] };
  if (access?.ca) transport.ca = access.ca;
  if (auth?.kind === 'basic' && auth.password) {
    const password = auth.password.reveal();
    const encoded = Buffer.from(`${auth.username}:${password}`).toString('base64');
    transport.authorization = `Basic ${encoded}`;
    transport.secrets.push(password, encoded);
  } else if (auth?.kind === 'bearer' && auth.token) {
    const token = auth.token.reveal();
    transport.authorization = `Bearer ${token}`;
    transport.secrets.push(token);
  }
  return transport;
}
