import { CST, Lexer } from 'yaml';

/**
 * A first, cheaper pass over the lexer's tokens, for the nesting that costs least to write: flow
 * brackets (`[[[[`, one byte a level) and compact block sequences (`- - - -`). yaml's parser is
 * linear but slow on such input (seconds per MiB), so this runs before it. Both counts are lower
 * bounds of the real depth, so this never refuses what the exact check below would accept.
 */
export function findTooDeepText(text: string, limit: number): { offset: number } | undefined {
  let flow = 0;
  let compact = 0;
  let offset = 0;
  let atScalar = false;
  for (const source of new Lexer().lex(text)) {
    // Offsets advance as in yaml's Parser: marker tokens take no room in the source.
    const type: string | null = atScalar ? 'scalar-source' : CST.tokenType(source);
    atScalar = type === 'scalar';
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind') compact++;
    else if (type === 'newline') compact = 0;
    if (flow > limit || compact > limit) return { offset };
    if (type !== 'scalar' && type !== 'doc-mode' && type !== 'flow-error-end') offset += source.length;
  }
  return undefined;
}

/**
 * Deepest collection nesting in a YAML concrete syntax tree, and where it first goes past
 * `limit`. The yaml composer recurses once per level, and a few hundred thousand levels fit in a
 * 1 MiB file, so depth must be measured here, on the CST the (iterative) parser produced, before
 * anything recursive runs. Aliases are leaves in the CST, so nothing is expanded.
 */
export function findTooDeep(tokens: readonly CST.Token[], limit: number): { offset: number } | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { token, depth } = next;
    const children = childrenOf(token);
    if (children.length === 0) continue;
    const inner = isCollectionToken(token) ? depth + 1 : depth;
    if (inner > limit) return { offset: token.offset };
    for (const child of children) stack.push({ token: child, depth: inner });
  }
  return undefined;
}

function isCollectionToken(token: CST.Token): boolean {
  return token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';
}

function childrenOf(token: CST.Token): CST.Token[] {
  switch (token.type) {
    case 'document':
      return token.value ? [token.value] : [];
    case 'block-map':
    case 'block-seq':
    case 'flow-collection': {
      const out: CST.Token[] = [];
      for (const item of token.items as CST.CollectionItem[]) {
        if (item.key) out.push(item.key);
        if (item.value) out.push(item.value);
      }
      return out;
    }
    default:
      return [];
  }
}
