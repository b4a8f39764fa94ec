/**
 * The dotenv files a stack reads from its repository, at the deployed commit (or the folder
 * `spin validate` reads), with Compose's precedence:
 * - the stack folder's `.env` sets variables for interpolation; the project's env (Spin's
 *   config, or `--env`/`--env-file` on the CLI) wins over it, as the shell does in Compose;
 * - a service's `env_file:` entries (in order, later ones winning) set container variables that
 *   its `environment:` entries override; their `${VAR}` read the same variables as the stack.
 * One parser (dotenv.ts) for all of them. Files are read only inside the repository; their
 * values never reach a message.
 */
import type { Diagnostic, PathSegment } from './diagnostics.js';
import { parseDotenv } from './dotenv.js';
import { collector, locateFindings, type Report } from './findings.js';
import type { StackModel } from './model.js';
import { isRecord, setEntry } from './records.js';
import { MAX_MATERIAL_BYTES, repositoryPath } from './repo-files.js';
import { PathEscapeError, type FileReader, type LocatedDocument } from './source.js';

export type EnvFileResult = { values: Record<string, string> } | { diagnostics: Diagnostic[] };

/** The stack folder's `.env` (none: empty), parsed with `env` as its lookup. */
export async function readDotenvFile(
  reader: FileReader,
  stackDir: string,
  env: Readonly<Record<string, string>>,
): Promise<EnvFileResult> {
  const file = stackDir ? `${stackDir}/.env` : '.env';
  let bytes: Uint8Array | undefined;
  try {
    bytes = await reader.readFile(file);
  } catch (err) {
    if (!(err instanceof PathEscapeError)) throw err;
    return {
      diagnostics: [
        at(
          file,
          0,
          'mounts.escape',
          `${file} is a symlink that leads outside the folder; commit the file itself`,
        ),
      ],
    };
  }
  if (!bytes) return { values: {} };
  const parsed = parseDotenv(decode(bytes), { ...env });
  if (!parsed.ok)
    return { diagnostics: [at(file, parsed.error.line, parsed.error.rule, parsed.error.message)] };
  return { values: parsed.values };
}

/**
 * Fill each service's environment from its `env_file:` entries (the model is changed in place);
 * a key its `environment:` writes keeps that value. Problems are located at the entry.
 */
export async function applyEnvFiles(
  reader: FileReader,
  model: StackModel,
  stackDir: string,
  env: Readonly<Record<string, string>>,
  document: LocatedDocument,
): Promise<Diagnostic[]> {
  const { report, findings } = collector();
  const services =
    isRecord(document.value) && isRecord(document.value.services) ? document.value.services : {};
  for (const spec of Object.values(model.services)) {
    const service = services[spec.name];
    const raw: Record<string, unknown> = isRecord(service) ? service : {};
    const entries = envFileEntries(raw.env_file);
    if (entries.length === 0) continue;
    const fromFiles: Record<string, string> = {};
    for (const [index, entry] of entries.entries()) {
      const where: PathSegment[] = [
        'services',
        spec.name,
        'env_file',
        ...(Array.isArray(raw.env_file) ? [index] : []),
      ];
      const values = await readEnvFile(reader, stackDir, entry, env, where, report);
      for (const [key, value] of Object.entries(values ?? {})) setEntry(fromFiles, key, value);
    }
    const written = writtenKeys(raw.environment);
    const merged: Record<string, string> = {};
    for (const [key, value] of Object.entries(fromFiles)) if (!written.has(key)) setEntry(merged, key, value);
    for (const [key, value] of Object.entries(spec.environment)) setEntry(merged, key, value);
    spec.environment = merged;
  }
  return locateFindings(findings, document);
}

interface EnvFileEntry {
  path: string;
  required: boolean;
}

/** `env_file: a.env`, a list of paths, or of `{ path, required }` mappings (Compose's forms). */
function envFileEntries(value: unknown): EnvFileEntry[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items.flatMap((item): EnvFileEntry[] => {
    if (typeof item === 'string') return [{ path: item, required: true }];
    if (isRecord(item) && typeof item.path === 'string') {
      return [{ path: item.path, required: item.required !== false && item.required !== 'false' }];
    }
    return [];
  });
}

async function readEnvFile(
  reader: FileReader,
  stackDir: string,
  entry: EnvFileEntry,
  env: Readonly<Record<string, string>>,
  where: PathSegment[],
  report: Report,
): Promise<Record<string, string> | undefined> {
  const repoPath = repositoryPath(stackDir, entry.path);
  if (repoPath === undefined) {
    report(
      where,
      'mounts.escape',
      `env_file "${entry.path}" is not inside the repository; keep the file in the repository, next to the stack file`,
    );
    return undefined;
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await reader.readFile(repoPath);
  } catch (err) {
    if (!(err instanceof PathEscapeError)) throw err;
    report(
      where,
      'mounts.escape',
      `env_file "${entry.path}" is a symlink that leads outside the stack's folder; commit the file itself`,
    );
    return undefined;
  }
  if (!bytes) {
    if (entry.required) {
      report(
        where,
        'stack.missing-file',
        `env_file "${entry.path}" is not a file in the repository (paths are relative to the stack file's folder; write required: false if it is optional)`,
      );
    }
    return undefined;
  }
  if (bytes.length > MAX_MATERIAL_BYTES) {
    report(
      where,
      'stack.file-too-large',
      `env_file "${entry.path}" is ${bytes.length} bytes; it may be at most ${MAX_MATERIAL_BYTES}`,
    );
    return undefined;
  }
  const parsed = parseDotenv(decode(bytes), { ...env });
  if (!parsed.ok) {
    report(
      where,
      parsed.error.rule,
      `env_file "${entry.path}" line ${parsed.error.line}: ${parsed.error.message}`,
    );
    return undefined;
  }
  return parsed.values;
}

/** Keys `environment:` writes, in either form (with or without a value). */
function writtenKeys(value: unknown): Set<string> {
  if (isRecord(value)) return new Set(Object.keys(value));
  if (!Array.isArray(value)) return new Set();
  return new Set(value.map((item) => String(item).split('=')[0] ?? ''));
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

function at(file: string, line: number, rule: string, message: string): Diagnostic {
  return { file, line, column: line === 0 ? 0 : 1, rule, message, path: '' };
}
