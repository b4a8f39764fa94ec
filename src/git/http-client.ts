import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { guardUploadPack, type FetchLimits } from './upload-pack-guard.js';

// Polling hundreds of repositories is mostly small GETs to the same few servers: reusing
// connections saves a TCP (and TLS) handshake per poll, which is most of a poll's cost.
export const keepAliveAgents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 16, keepAliveMsecs: 15_000 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 16, keepAliveMsecs: 15_000 }),
};

/** isomorphic-git's Node client with shared keep-alive agents. */
export const keepAliveHttp: HttpClient = {
  request(request: GitHttpRequest): Promise<GitHttpResponse> {
    const agent = request.url.startsWith('https:') ? keepAliveAgents.https : keepAliveAgents.http;
    return nodeHttp.request({ ...request, agent } as GitHttpRequest);
  },
};

/**
 * The keep-alive client with every upload-pack response (the pack of a fetch) checked against
 * `limits` as it streams: a repository's pack cannot make the daemon inflate a huge object.
 */
export function guardedHttp(limits: FetchLimits): HttpClient {
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const response = await keepAliveHttp.request(request);
      const isUploadPack =
        request.method === 'POST' && new URL(request.url).pathname.endsWith('/git-upload-pack');
      if (!isUploadPack || !response.body) return response;
      return { ...response, body: guardUploadPack(response.body, limits) };
    },
  };
}
