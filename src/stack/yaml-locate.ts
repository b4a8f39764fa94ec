import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { PathSegment } from './diagnostics.js';
import type { Position } from './source.js';

type LinePos = (offset: number) => { line: number; col: number };

/**
 * Where a path into the resolved value was written: walks the AST the way `toJS` resolved it
 * (aliases followed, own keys before `<<` merge sources, earlier merge sources first) and returns
 * the start of the value, or of the nearest ancestor that exists.
 */
export function makeLocator(doc: Document, linePos: LinePos): (path: readonly PathSegment[]) => Position {
  const at = (offset: number): Position => {
    const { line, col } = linePos(offset);
    return { line, column: col };
  };
  return (path) => {
    let node: Node | null = doc.contents;
    let found = node?.range ? at(node.range[0]) : { line: 1, column: 1 };
    for (const segment of path) {
      node = deref(doc, node);
      const step = isSeq(node)
        ? seqStep(node.items, segment)
        : isMap(node)
          ? mapStep(doc, node.items, segment)
          : null;
      if (!step) break;
      node = step.value;
      const where = hasSource(step.value) ? step.value : step.key;
      if (where?.range) found = at(where.range[0]);
    }
    return found;
  };
}

interface Step {
  key: Node | null;
  value: Node | null;
}

function seqStep(items: unknown[], segment: PathSegment): Step | null {
  const item = items[Number(segment)];
  return isNode(item) ? { key: null, value: item } : null;
}

function mapStep(
  doc: Document,
  pairs: readonly Pair[],
  segment: PathSegment,
  seen = new Set<Node>(),
): Step | null {
  const name = String(segment);
  for (const pair of pairs) {
    if (!isMergeKey(pair.key) && keyName(pair.key) === name) {
      return { key: asNode(pair.key), value: asNode(pair.value) };
    }
  }
  for (const pair of pairs) {
    if (!isMergeKey(pair.key)) continue;
    const value = asNode(pair.value);
    for (const source of isSeq(value) ? value.items : [value]) {
      const target = deref(doc, asNode(source));
      if (!isMap(target) || seen.has(target)) continue;
      seen.add(target);
      const step = mapStep(doc, target.items as Pair[], segment, seen);
      if (step) return step;
    }
  }
  return null;
}

function deref(doc: Document, node: Node | null): Node | null {
  // Alias chains cannot loop (an alias refers to an earlier anchor) but cap them anyway.
  for (let hops = 0; isAlias(node) && hops < 100; hops++)
    node = (node.resolve(doc) as Node | undefined) ?? null;
  return node;
}

function isMergeKey(key: unknown): boolean {
  // With `merge: true` the parser gives `<<` keys a symbol value; a quoted '<<' stays a string.
  return isScalar(key) && typeof key.value === 'symbol';
}

function keyName(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** An empty value (`key:` with nothing after it) has no text of its own: point at the key. */
function hasSource(node: Node | null): boolean {
  if (!node?.range) return false;
  return !(isScalar(node) && node.value === null && node.range[0] === node.range[1]);
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

function asNode(value: unknown): Node | null {
  return isNode(value) ? value : null;
}
