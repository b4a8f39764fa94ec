import { readFile, stat } from 'node:fs/promises';
import type { RepoAccess } from '../config/types.js';
import { SecretText } from '../util/secret-text.js';

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

/**
 * A repository's transport with its credential file re-read when the file changes (its inode,
 * size or modification time), checked at each use: a rotated password or token is used from the
 * next request on, without a config reload. A file that is missing, unreadable or empty at that
 * moment (a rotation half done with a non-atomic write) keeps the last good value.
 */
export class RepoCredentials {
  private last: RepoTransport;
  private seen?: string;

  constructor(private readonly access: RepoAccess | undefined) {
    this.last = repoTransport(access);
  }

  async current(): Promise<RepoTransport> {
    const auth = this.access?.auth;
    if (!auth) return this.last;
    const file = auth.kind === 'basic' ? auth.passwordFile : auth.tokenFile;
    let text: string;
    try {
      const st = await stat(file);
      const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (key === this.seen) return this.last;
      text = (await readFile(file, 'utf8')).trim();
      this.seen = key;
    } catch {
      return this.last;
    }
    if (text === '') return this.last;
    const secret = new SecretText(text);
    this.last = repoTransport({
      ...this.access,
      auth: auth.kind === 'basic' ? { ...auth, password: secret } : { ...auth, token: secret },
    });
    return this.last;
  }
}
