import type { Daemon } from '../daemon/daemon.js';
import { loadStoreKey, MAX_SECRET_BYTES, SecretStore, SecretStoreError } from '../secrets/store.js';
import { errorReply, json, type Reply } from './http.js';
import { onProject } from './route-access.js';
import type { Route } from './route.js';

const NAME = '([a-z0-9][a-z0-9-]*)';
const SECRET = '([a-zA-Z0-9._-]+)';
/** A value of MAX_SECRET_BYTES in base64, with room for the JSON around it. */
const SET_BODY_LIMIT = Math.ceil(MAX_SECRET_BYTES / 3) * 4 + 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `spin secret set|ls|rm --server`: a project's secrets through the API, for role operate on that
 * project, so a researcher without a shell on the host can set their own. The same store, key
 * and bounds as the local command (src/secrets/store.ts). Values go in, never out: ls answers
 * names and update times; no reply, log line or error carries a value.
 */
export function secretRoutes(daemon: Daemon): Route[] {
  const storeOf = async (project: string, withKey: boolean): Promise<SecretStore | undefined> => {
    const settings = daemon.project(project)?.config.secrets;
    if (!settings) return undefined;
    if (!withKey) return new SecretStore(settings.stateDir);
    const key = await loadStoreKey({
      stateDir: settings.stateDir,
      keyFile: settings.keyFile,
      keyEnv: settings.keyEnv,
      keyEnvExplicit: settings.keyEnvExplicit,
    });
    return new SecretStore(settings.stateDir, key.key);
  };
  const unknown = (name: string | undefined) => errorReply(404, `unknown project '${name}'`);
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/secrets$`),
      access: onProject('operate'),
      handle: async (_req, [project = '']) =>
        storeReply(async () => {
          const store = await storeOf(project, false);
          return store ? json(200, { secrets: await store.list(project) }) : unknown(project);
        }),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/secrets/${SECRET}$`),
      access: onProject('operate'),
      bodyLimit: SET_BODY_LIMIT,
      handle: async (_req, [project = '', name = ''], _url, body) => {
        if (typeof body.value !== 'string' || !BASE64.test(body.value)) {
          return errorReply(400, 'send {"value": "<the secret in base64>"}');
        }
        const value = Buffer.from(body.value, 'base64');
        if (value.length === 0) return errorReply(400, 'the value is empty; nothing was stored');
        return storeReply(async () => {
          try {
            const store = await storeOf(project, true);
            if (!store) return unknown(project);
            const entry = await store.set(project, name, value);
            return json(200, { secret: entry });
          } finally {
            value.fill(0);
          }
        });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/secrets/${SECRET}$`),
      access: onProject('operate'),
      handle: async (_req, [project = '', name = '']) =>
        storeReply(async () => {
          const store = await storeOf(project, false);
          if (!store) return unknown(project);
          return (await store.remove(project, name))
            ? json(200, { removed: name })
            : errorReply(404, `project ${project} has no secret ${name}`);
        }),
    },
  ];
}

/** The store's own errors as answers: a bad name or value is the caller's (400), the rest ours. */
async function storeReply(work: () => Promise<Reply>): Promise<Reply> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof SecretStoreError)) throw err;
    return errorReply(err.code === 'name' || err.code === 'format' ? 400 : 500, err.message);
  }
}
