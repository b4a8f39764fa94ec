import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';

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
