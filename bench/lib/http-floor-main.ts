/**
 * The floor of an idle poll: a bare keep-alive HTTP GET of a repository's `info/refs` from Node,
 * nothing else (no parsing, no engine, no logging). Usage: node bench/lib/http-floor-main.ts URL
 * RATE_PER_S SECONDS. Warms up for a second, then issues RATE_PER_S requests a second for SECONDS
 * and prints `{"requests": n, "cpuMs": ms}` (this process's user+system CPU over the window).
 */
import http from 'node:http';

const [url, rateArg, secondsArg] = process.argv.slice(2);
if (!url || !rateArg || !secondsArg) {
  console.error('usage: http-floor-main.ts URL RATE_PER_S SECONDS');
  process.exit(2);
}
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function get(): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url as string, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve());
      })
      .on('error', reject);
  });
}

/**
 * `rate` requests at the start of every second (as a daemon's aligned polls come), up to 8 in
 * flight, `ticks` times. A failed request (a loaded git server) is counted apart, not retried.
 */
let failed = 0;
async function run(ticks: number): Promise<number> {
  let requests = 0;
  const t0 = performance.now();
  for (let s = 0; s < ticks; s++) {
    let left = rate;
    const worker = async () => {
      while (left > 0) {
        left--;
        try {
          await get();
          requests++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, rate) }, worker));
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (s + 1) * 1000 - performance.now())));
  }
  return requests;
}

await run(1);
const cpu0 = process.cpuUsage();
const requests = await run(seconds);
const cpu = process.cpuUsage(cpu0);
agent.destroy();
process.stdout.write(`${JSON.stringify({ requests, failed, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
