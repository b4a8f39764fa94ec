import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { guardUploadPack, type FetchLimits } from './upload-pack-guard.js';
import { RepoCredentials, type RepoTransport } from './repo-auth.js';
import type { RepoAccess } from '../config/types.js';

// Polling hundreds of repositories is mostly small GETs to the same few servers: reusing
// connections saves a TCP (and TLS) handshake per poll, which is most of a poll's cost.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, keepAliveMsecs: 15_000 };

export const keepAliveAgents = {
  http: new HttpAgent(AGENT_OPTIONS),
  https: new HttpsAgent(AGENT_OPTIONS),
};

// One agent per distinct CA bundle (usually one per daemon), so repositories behind the same
// private CA still share connections; a reload with the same bundle reuses its agent.
const caAgents = new Map<string, HttpsAgent>();

/** The agent for `url`: keep-alive, and for https trusting `ca` besides the public roots. */
export function agentFor(url: string, ca?: string): HttpAgent | HttpsAgent {
  if (!url.startsWith('https:')) return keepAliveAgents.http;
  if (!ca) return keepAliveAgents.https;
  let agent = caAgents.get(ca);
  if (!agent) {
    // `ca` replaces Node's roots, so they are passed along: a private CA adds trust, it does not
    // take the public CAs away (a forge behind a public certificate keeps working).
    agent = new HttpsAgent({ ...AGENT_OPTIONS, ca: [...rootCertificates, ca] });
    caAgents.set(ca, agent);
  }
  return agent;
}

/** isomorphic-git's Node client with shared keep-alive agents. */
export const keepAliveHttp: HttpClient = transportHttp(async () => ({ secrets: [] }));

/** The transport to use for the next request (src/git/repo-auth.ts: re-read when its file changes). */
export type TransportSource = () => Promise<RepoTransport>;

/**
 * isomorphic-git's Node client for one repository: its agent (CA) and its Authorization header,
 * as of each request. The header key is lower case because simple-get (under isomorphic-git)
 * drops exactly that key when a redirect leaves the host, so the credential never follows a
 * redirect elsewhere.
 */
function transportHttp(current: TransportSource): HttpClient {
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const transport = await current();
      const agent = agentFor(request.url, transport.ca);
      const headers = transport.authorization
        ? { ...request.headers, authorization: transport.authorization }
        : request.headers;
      return nodeHttp.request({ ...request, headers, agent } as GitHttpRequest);
    },
  };
}

/** The client for a repository's own credentials and CA, without the fetch guard (notes pushes). */
export function repoHttpClient(access: RepoAccess | undefined): HttpClient {
  const credentials = new RepoCredentials(access);
  return transportHttp(() => credentials.current());
}

/**
 * The keep-alive client with every upload-pack response (the pack of a fetch) checked against
 * `limits` as it streams: a repository's pack cannot make the daemon inflate a huge object.
 */
export function guardedHttp(
  limits: FetchLimits,
  transport: TransportSource = async () => ({ secrets: [] }),
): HttpClient {
  const http = transportHttp(transport);
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const response = await http.request(request);
      const isUploadPack =
        request.method === 'POST' && new URL(request.url).pathname.endsWith('/git-upload-pack');
      if (!isUploadPack || !response.body) return response;
      return { ...response, body: guardUploadPack(response.body, limits) };
    },
  };
}
