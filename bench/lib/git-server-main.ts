/**
 * The test suite's git smart-HTTP server (`git http-backend` behind Node) in its own process, so
 * its CPU (and that of the http-backend children it reaps) never counts as the daemon's.
 * Usage: node --import tsx bench/lib/git-server-main.ts ROOT. Prints `{"url": ...}` once listening;
 * GET /__bench/stats answers the request counts by kind; SIGTERM stops it.
 */
import { startGitServer } from '../../test/helpers/git-server.js';

const root = process.argv[2];
if (!root) {
  console.error('usage: git-server-main.ts ROOT');
  process.exit(2);
}

const counts = { advertise: 0, fetch: 0, push: 0, other: 0 };

const server = await startGitServer(root, {
  intercept: (req, res) => {
    const url = req.url ?? '';
    if (url === '/__bench/stats') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(counts));
      return true;
    }
    if (url.includes('/info/refs?service=git-upload-pack')) counts.advertise++;
    else if (url.endsWith('/git-upload-pack')) counts.fetch++;
    else if (url.includes('receive-pack')) counts.push++;
    else counts.other++;
    return false;
  },
});
// The helper keeps every request for tests; the counts above are enough here.
setInterval(() => (server.requests.length = 0), 5_000).unref();
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

const stop = () => {
  void server.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
