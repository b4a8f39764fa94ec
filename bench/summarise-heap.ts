/**
 * `npx tsx bench/summarise-heap.ts FILE.heapsnapshot [TOP]`: totals by node type, self size by
 * constructor and retained size by constructor (outermost instances) of a V8 heap snapshot.
 */
import { summariseHeapFile } from './lib/heap.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/summarise-heap.ts FILE.heapsnapshot [TOP]');
  process.exit(2);
}
const h = await summariseHeapFile(file, Number(top ?? 30));
console.log(`${h.totalMb} MB reachable in ${h.nodes} nodes\n\nby node type (KB):`);
for (const [t, kb] of Object.entries(h.byType).sort((a, b) => b[1] - a[1]))
  console.log(`  ${String(kb).padStart(10)}  ${t}`);
console.log('\nretained size by constructor (KB, outermost instances):');
for (const r of h.byRetained)
  console.log(`  ${String(r.retainedKb).padStart(10)}  ${String(r.count).padStart(7)}x  ${r.name}`);
console.log('\nself size by constructor (KB):');
for (const r of h.bySelf)
  console.log(`  ${String(r.selfKb).padStart(10)}  ${String(r.count).padStart(7)}x  ${r.name}`);
