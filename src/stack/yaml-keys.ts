import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';

/** A problem with a mapping key, at a source offset. */
export interface KeyProblem {
  offset: number;
  rule: 'yaml.non-string-key' | 'yaml.invalid-merge';
  message: string;
}

/**
 * Keys Compose refuses, found on the syntax tree before the document becomes plain data (where
 * they would be turned into text silently, or crash the conversion):
 * - a key that is not a string (`1:`, `true:`, `null:`, a list or a mapping as key); Compose
 *   reads every key as a string and says so ("non-string key");
 * - a merge key (`<<`) whose value is not a mapping, an alias of one, or a list of those.
 */
export function findKeyProblems(doc: Document): KeyProblem[] {
  const out: KeyProblem[] = [];
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (isScalar(key) && typeof key.value === 'symbol') {
        if (!isMergeSource(doc, pair.value as Node | null)) {
          out.push({
            offset: rangeStart(pair.value as Node | null) ?? rangeStart(key) ?? 0,
            rule: 'yaml.invalid-merge',
            message: 'a merge key (<<) takes a mapping, an alias of a mapping (*name) or a list of those',
          });
        }
        return;
      }
      if (isScalar(key) && typeof key.value === 'string') return;
      const shown = isScalar(key) ? String(key.source ?? key.value) : isMap(key) ? 'a mapping' : 'a list';
      out.push({
        offset: rangeStart(key) ?? 0,
        rule: 'yaml.non-string-key',
        message: `key ${shown} is not a string; quote it ("${shown}":) as Compose reads keys only as text`,
      });
    },
  });
  return out;
}

function isMergeSource(doc: Document, value: Node | null): boolean {
  const one = (node: unknown): boolean => isMap(isAlias(node) ? node.resolve(doc) : node);
  return isSeq(value) ? value.items.every(one) : one(value);
}

function rangeStart(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}
