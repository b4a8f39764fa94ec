/**
 * A coarse well-formedness check for the rendered documents: every non-void element that opens
 * also closes, in order. Enough to catch a broken template; the browser test covers the rest.
 */
const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'col', 'source', 'wbr']);

export function unbalancedTags(document: string): string[] {
  const withoutScript = document.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
  const withoutStyle = withoutScript.replace(/<style>[\s\S]*?<\/style>/g, '<style></style>');
  const stack: string[] = [];
  const problems: string[] = [];
  for (const m of withoutStyle.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const [, closing, rawName = ''] = m;
    const name = rawName.toLowerCase();
    if (VOID.has(name)) continue;
    if (!closing) stack.push(name);
    else if (stack.at(-1) === name) stack.pop();
    else problems.push(`</${name}> closes <${stack.at(-1) ?? 'nothing'}>`);
  }
  return [...problems, ...stack.map((name) => `<${name}> never closed`)];
}
