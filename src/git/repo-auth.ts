import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { projectSecretReader } from '../secrets/project-secret.js';
import { storeDir } from '../secrets/store.js';
import { errorMessage } from '../util/errors.js';
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
 * A repository's transport with its credential re-read when it changes, checked at each use: a
 * rotated password or token is used from the next request on, without a config reload.
 * - A credential file is re-read when its inode, size or modification time changed. A file that
 *   is missing, unreadable or empty at that moment (a rotation half done with a non-atomic write)
 *   keeps the last good value.
 * - A credential named by secret is read from the project's secret store (`spin secret set`) when
 *   the store's file (or its key file) changed. A secret that is missing or cannot be read leaves
 *   the request without credentials, and `problem` says why (for the refused-access message).
 */
export class RepoCredentials {
  private last: RepoTransport;
  private seen?: string;
  /** Why the named secret could not be used, for the 401 message; never holds a value. */
  problem?: string;

  constructor(private readonly access: RepoAccess | undefined) {
    this.last = repoTransport(access);
  }

  async current(): Promise<RepoTransport> {
    const auth = this.access?.auth;
    if (!auth) return this.last;
    const file = auth.kind === 'basic' ? auth.passwordFile : auth.tokenFile;
    const secretName = auth.kind === 'basic' ? auth.passwordSecret : auth.tokenSecret;
    let text: string;
    if (file !== undefined) {
      try {
        const key = await fileVersion(file);
        if (key === this.seen) return this.last;
        text = (await readFile(file, 'utf8')).trim();
        this.seen = key;
      } catch {
        return this.last;
      }
      if (text === '') return this.last;
    } else if (secretName !== undefined && auth.store) {
      const { project, settings } = auth.store;
      const version = [
        await fileVersion(path.join(storeDir(settings.stateDir), `${project}.json`)).catch(() => 'none'),
        settings.keyFile ? await fileVersion(settings.keyFile).catch(() => 'none') : '',
      ].join('|');
      if (version === this.seen) return this.last;
      this.seen = version;
      this.problem = undefined;
      const value = await projectSecretReader(
        settings,
        project,
      )(secretName).catch((err: unknown) => {
        this.problem = `secret '${secretName}' of project ${project} cannot be read (${errorMessage(err)}); set it with spin secret set ${project} ${secretName}`;
        return undefined;
      });
      if (value === undefined) {
        this.problem ??= `secret '${secretName}' is not set: run spin secret set ${project} ${secretName}`;
        this.last = repoTransport({ ...this.access, auth: undefined });
        return this.last;
      }
      text = value.toString('utf8').trim();
    } else {
      return this.last;
    }
    const secret = new SecretText(text);
    this.last = repoTransport({
      ...this.access,
      auth: auth.kind === 'basic' ? { ...auth, password: secret } : { ...auth, token: secret },
    });
    return this.last;
  }
}

async function fileVersion(file: string): Promise<string> {
  const st = await stat(file);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}
