/**
 * A unified diff (`diff -u` / `git diff` format) of two texts, line by line, for showing a person
 * what a tool changed in their file. Pure; no dependency.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Above this many cells the middle is shown as one replaced block instead of a minimal diff. */
const MAX_TABLE_CELLS = 4_000_000;

/** `--- a/FILE`, `+++ b/FILE` and hunks with `context` lines around each change; '' when equal. */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const hunks = hunksOf(ops, context);
  return [`--- a/${file}`, `+++ b/${file}`, ...hunks].join('\n') + '\n';
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const same = (lines: string[]): Op[] => lines.map((line) => ({ kind: ' ', line }));
  return [...same(a.slice(0, head)), ...middle(midA, midB), ...same(a.slice(a.length - tail))];
}

/** Longest common subsequence by table: the middle is small (edits are few and local). */
function middle(a: string[], b: string[]): Op[] {
  if ((a.length + 1) * (b.length + 1) > MAX_TABLE_CELLS) {
    return [
      ...a.map((line) => ({ kind: '-' as const, line })),
      ...b.map((line) => ({ kind: '+' as const, line })),
    ];
  }
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j]
          ? (table[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i++] ?? '' });
      j++;
    } else if (
      i < a.length &&
      (j === b.length || (table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0))
    ) {
      // Removals before additions, as diff -u prints a changed line.
      ops.push({ kind: '-', line: a[i++] ?? '' });
    } else {
      ops.push({ kind: '+', line: b[j++] ?? '' });
    }
  }
  return ops;
}

function hunksOf(ops: Op[], context: number): string[] {
  const out: string[] = [];
  let index = 0;
  while (index < ops.length) {
    const firstChange = ops.findIndex((op, k) => k >= index && op.kind !== ' ');
    if (firstChange < 0) break;
    const start = Math.max(index, firstChange - context);
    // Extend while the next change is within 2 × context unchanged lines of the last one.
    let end = firstChange;
    let quiet = 0;
    for (let k = firstChange; k < ops.length; k++) {
      if (ops[k]?.kind === ' ') {
        quiet++;
        if (quiet > 2 * context) break;
      } else {
        quiet = 0;
        end = k;
      }
    }
    const stop = Math.min(ops.length, end + 1 + context);
    out.push(header(ops, start, stop), ...ops.slice(start, stop).map((op) => `${op.kind}${op.line}`));
    index = stop;
  }
  return out;
}

function header(ops: Op[], start: number, stop: number): string {
  const before = ops.slice(0, start);
  const inside = ops.slice(start, stop);
  const oldStart = before.filter((op) => op.kind !== '+').length + 1;
  const newStart = before.filter((op) => op.kind !== '-').length + 1;
  const oldCount = inside.filter((op) => op.kind !== '+').length;
  const newCount = inside.filter((op) => op.kind !== '-').length;
  const range = (from: number, count: number) => `${count === 0 ? from - 1 : from},${count}`;
  return `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`;
}
