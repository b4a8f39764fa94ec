import { readFileSync } from 'node:fs';
import path from 'node:path';

export const RECIPES_DOC = path.resolve(import.meta.dirname, '../../docs/recipes.md');

/** `### name` -> the yaml block under it, within docs/recipes.md's "Capability recipes" section. */
export function recipes(markdown = readFileSync(RECIPES_DOC, 'utf8')): Map<string, string> {
  const section = markdown.split(/^## Capability recipes$/m)[1]?.split(/^## /m)[0] ?? '';
  const out = new Map<string, string>();
  for (const part of section.split(/^### /m).slice(1)) {
    const name = part.split('\n')[0]?.trim() ?? '';
    const block = /```yaml\n([\s\S]*?)```/.exec(part)?.[1];
    if (block) out.set(name, block);
  }
  return out;
}
