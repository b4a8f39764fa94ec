import { readFileSync } from 'node:fs';

/**
 * Reads a JSON schema from the project's `schemas/` folder. Resolved from this module's URL so
 * it works the same from src/ (tests) and dist/ (the built CLI), both two levels below the root.
 */
export function readSchema(name: string): object {
  return JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object;
}
