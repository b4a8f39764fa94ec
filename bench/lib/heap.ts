/**
 * Summary of a V8 heap snapshot (`node --heapsnapshot-signal`, or `v8.writeHeapSnapshot`): totals
 * by node type, self size and count by constructor, and the largest retained sizes by constructor
 * (dominator tree, Cooper–Harvey–Kennedy), so "what does a 500-project daemon keep" has an answer.
 */
import { readFile } from 'node:fs/promises';

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    node_count: number;
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapSummary {
  totalMb: number;
  nodes: number;
  byType: Record<string, number>;
  bySelf: { name: string; count: number; selfKb: number }[];
  byRetained: { name: string; count: number; retainedKb: number }[];
}

export async function summariseHeapFile(file: string, top = 25): Promise<HeapSummary> {
  return summariseHeap(JSON.parse(await readFile(file, 'utf8')) as Snapshot, top);
}

export function summariseHeap(s: Snapshot, top = 25): HeapSummary {
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const N = nf.length;
  const E = ef.length;
  const [typeI, nameI, sizeI, edgeCountI] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  ) as [number, number, number, number];
  const [eTypeI, eToI] = ['type', 'to_node'].map((f) => ef.indexOf(f)) as [number, number];
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const count = s.nodes.length / N;

  const label = (n: number): string => {
    const t = nodeTypes[s.nodes[n * N + typeI] as number] as string;
    const name = s.strings[s.nodes[n * N + nameI] as number] as string;
    if (t === 'object' || t === 'closure' || t === 'native') return `${t === 'object' ? '' : `${t} `}${name}`;
    return `(${t})`;
  };

  // Forward adjacency (strong edges only) and predecessor lists for the dominator computation.
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += (s.nodes[n * N + edgeCountI] as number) * E;
  }
  firstEdge[count] = s.edges.length;
  const succ = (n: number, visit: (m: number) => void) => {
    for (let e = firstEdge[n] as number; e < (firstEdge[n + 1] as number); e += E) {
      if (s.edges[e + eTypeI] === weak) continue;
      visit((s.edges[e + eToI] as number) / N);
    }
  };

  // Reverse post-order from the root (node 0) by an iterative DFS.
  const order = new Int32Array(count).fill(-1); // post-order index
  const rpo: number[] = [];
  const stack: number[] = [0];
  const iter = new Uint32Array(count);
  const seen = new Uint8Array(count);
  seen[0] = 1;
  for (let n = 0; n < count; n++) iter[n] = firstEdge[n] as number;
  while (stack.length > 0) {
    const n = stack[stack.length - 1] as number;
    let pushed = false;
    while ((iter[n] as number) < (firstEdge[n + 1] as number)) {
      const e = iter[n] as number;
      iter[n] = e + E;
      if (s.edges[e + eTypeI] === weak) continue;
      const m = (s.edges[e + eToI] as number) / N;
      if (!seen[m]) {
        seen[m] = 1;
        stack.push(m);
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      stack.pop();
      order[n] = rpo.length;
      rpo.push(n);
    }
  }
  rpo.reverse();
  const preds: number[][] = Array.from({ length: count }, () => []);
  for (const n of rpo) succ(n, (m) => (preds[m] as number[]).push(n));

  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while ((order[a] as number) < (order[b] as number)) a = idom[a] as number;
      while ((order[b] as number) < (order[a] as number)) b = idom[b] as number;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const n of rpo) {
      if (n === 0) continue;
      let d = -1;
      for (const p of preds[n] as number[]) {
        if (idom[p] === -1) continue;
        d = d === -1 ? p : intersect(p, d);
      }
      if (d !== -1 && idom[n] !== d) {
        idom[n] = d;
        changed = true;
      }
    }
  }

  const retained = new Float64Array(count);
  for (let n = 0; n < count; n++) retained[n] = s.nodes[n * N + sizeI] as number;
  for (let i = rpo.length - 1; i > 0; i--) {
    const n = rpo[i] as number;
    retained[idom[n] as number] = (retained[idom[n] as number] as number) + (retained[n] as number);
  }

  const byType: Record<string, number> = {};
  const self = new Map<string, { count: number; size: number }>();
  const kept = new Map<string, { count: number; size: number }>();
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (!seen[n]) continue;
    const size = s.nodes[n * N + sizeI] as number;
    total += size;
    const t = nodeTypes[s.nodes[n * N + typeI] as number] as string;
    byType[t] = (byType[t] ?? 0) + size;
    const name = label(n);
    const a = self.get(name) ?? { count: 0, size: 0 };
    a.count++;
    a.size += size;
    self.set(name, a);
    // Retained size per constructor counts only outermost instances (not ones dominated by another of the same name).
    let d = idom[n] as number;
    let nested = false;
    // Bounded walk: deep chains (linked lists) would make this quadratic.
    for (let steps = 0; steps < 64 && d !== 0 && d !== -1; steps++) {
      if (label(d) === name) {
        nested = true;
        break;
      }
      d = idom[d] as number;
    }
    if (!nested) {
      const k = kept.get(name) ?? { count: 0, size: 0 };
      k.count++;
      k.size += retained[n] as number;
      kept.set(name, k);
    }
  }
  const kb = (b: number) => Math.round(b / 102.4) / 10;
  return {
    totalMb: Math.round(total / 104857.6) / 10,
    nodes: count,
    byType: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, kb(v)])),
    bySelf: [...self]
      .sort((a, b) => b[1].size - a[1].size)
      .slice(0, top)
      .map(([name, v]) => ({ name, count: v.count, selfKb: kb(v.size) })),
    byRetained: [...kept]
      .filter(([name]) => !name.startsWith('(') && name !== 'system / Context')
      .sort((a, b) => b[1].size - a[1].size)
      .slice(0, top)
      .map(([name, v]) => ({ name, count: v.count, retainedKb: kb(v.size) })),
  };
}
