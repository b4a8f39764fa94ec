/**
 * `npx tsx bench/summarise-profile.ts FILE.cpuprofile [FROM_US TO_US]`: self time by area and the
 * top functions of a CPU profile (from `node --cpu-prof`, or the steady benchmark's profiled pass),
 * optionally only the samples inside a CLOCK_MONOTONIC window in µs (the polling report gives it).
 */
import { summariseFile } from './lib/profile.js';

const [file, from, to] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/summarise-profile.ts FILE.cpuprofile [FROM_US TO_US]');
  process.exit(2);
}
const window = from && to ? { fromUs: Number(from), toUs: Number(to) } : undefined;
const summary = await summariseFile(file, window);
console.log(`total ${summary.totalMs} ms of CPU in the profile${window ? ' window' : ''}\n\nby area (ms):`);
for (const [area, ms] of Object.entries(summary.byArea)) console.log(`  ${String(ms).padStart(8)}  ${area}`);
console.log('\ntop functions by self time:');
for (const f of summary.topFunctions)
  console.log(`  ${String(f.selfMs).padStart(8)} ms ${String(f.pct).padStart(5)}%  ${f.fn}`);
