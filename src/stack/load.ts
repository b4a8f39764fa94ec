import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { applyEnvFiles, readDotenvFile } from './env-files.js';
import { interpolateDocument } from './interpolate.js';
import type { StackModel } from './model.js';
import { normalise } from './normalise.js';
import { DEFAULT_PARSE_LIMITS, parseYaml, type ParseLimits } from './parse.js';
import { checkRepositoryFiles } from './repo-files.js';
import { validateSchema } from './schema.js';
import { markOctalModes } from './secrets.js';
import { hasErrors, isWarning } from './severity.js';
import { PathEscapeError, type FileReader, type LocatedDocument } from './source.js';
import { findUnsupported } from './unsupported.js';

/** Searched in this order in the stack's folder; the first that exists is the stack file. */
export const STACK_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
] as const;

export interface LoadOptions {
  /** The project's name from the daemon config (or the CLI); never read from the stack file. */
  project: string;
  /** The only variables interpolation may read. */
  env: Record<string, string>;
  /** Folder of the stack file inside the reader, POSIX; '' (default) is the reader's root. */
  dir?: string;
  /** A stack file name inside `dir`, instead of searching STACK_FILE_NAMES. */
  file?: string;
  limits?: Partial<ParseLimits>;
}

export type LoadResult =
  | {
      ok: true;
      file: string;
      model: StackModel;
      /** The interpolated document, for later checks (policy) that locate their findings. */
      document: LocatedDocument;
      /** Warnings only; may be empty. */
      diagnostics: Diagnostic[];
    }
  | { ok: false; file?: string; diagnostics: Diagnostic[] };

/**
 * Find, read and check a stack file, then build its model: parse -> the folder's .env ->
 * interpolate -> schema -> unsupported keys -> normalise -> env_file: entries -> repository files
 * (configs.*.file, secrets.*.file). Each stage reports all its problems; the first stage with an
 * error ends the run (later stages would only repeat it in other words). Warnings from the stages
 * that ran are always returned. Diagnostics name the file relative to the reader's root.
 * Reader failures (other than a missing file) are not the stack's fault and are thrown.
 */
export async function loadStack(reader: FileReader, opts: LoadOptions): Promise<LoadResult> {
  const dir = opts.dir === undefined || opts.dir === '.' ? '' : opts.dir.replace(/\/+$/, '');
  const names = opts.file ? [opts.file] : STACK_FILE_NAMES;
  let file: string | undefined;
  let bytes: Uint8Array | undefined;
  for (const name of names) {
    const candidate = dir ? `${dir}/${name}` : name;
    try {
      bytes = await reader.readFile(candidate);
    } catch (err) {
      if (!(err instanceof PathEscapeError)) throw err;
      const why = `the stack file is a symlink that leads outside the folder; commit the file itself`;
      return { ok: false, file: candidate, diagnostics: [at(candidate, 0, 0, 'mounts.escape', why)] };
    }
    if (bytes) {
      file = candidate;
      break;
    }
  }
  if (!file || !bytes) {
    const tried = names.join(', ');
    return {
      ok: false,
      diagnostics: [
        at(
          dir || '.',
          0,
          0,
          'stack.not-found',
          `no stack file found in ${dir || 'the folder'} (looked for ${tried})`,
        ),
      ],
    };
  }

  const fail = (diagnostics: Diagnostic[]): LoadResult => ({
    ok: false,
    file,
    diagnostics: sortDiagnostics(diagnostics),
  });
  const maxBytes = opts.limits?.maxBytes ?? DEFAULT_PARSE_LIMITS.maxBytes;
  if (bytes.length > maxBytes) {
    // Checked before decoding, so an oversized file costs no more than reading it did.
    return fail([
      at(file, 0, 0, 'input.too-large', `the file is ${bytes.length} bytes; the limit is ${maxBytes}`),
    ]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail([at(file, 1, 1, 'input.encoding', 'the file is not valid UTF-8 text')]);
  }

  const parsed = parseYaml(file, text, opts.limits);
  if (!parsed.doc) return fail(parsed.diagnostics);
  // The folder's .env, under the project's env (which wins, as the shell does in Compose).
  const dotenv = await readDotenvFile(reader, dir, opts.env);
  if ('diagnostics' in dotenv) return fail(dotenv.diagnostics);
  const env = { ...dotenv.values, ...opts.env };
  const interpolated = interpolateDocument(parsed.doc, env);
  const document = interpolated.doc;
  const warnings = interpolated.diagnostics.filter(isWarning);
  if (hasErrors(interpolated.diagnostics)) return fail(interpolated.diagnostics);

  const schemaProblems = validateSchema(document);
  if (schemaProblems.length > 0) return fail([...warnings, ...schemaProblems]);

  const unsupported = findUnsupported(document);
  warnings.push(...unsupported.filter(isWarning));
  if (hasErrors(unsupported)) return fail([...warnings, ...unsupported.filter((d) => !isWarning(d))]);

  markOctalModes(document, text);
  const { model, diagnostics } = normalise(document.value, opts.project, document, env);
  if (!model) return fail([...warnings, ...diagnostics]);
  const envFiles = await applyEnvFiles(reader, model, dir, env, document);
  if (hasErrors(envFiles)) return fail([...warnings, ...diagnostics, ...envFiles]);
  const files = await checkRepositoryFiles(reader, model, dir, document);
  if (hasErrors(files)) return fail([...warnings, ...diagnostics, ...files]);
  return { ok: true, file, model, document, diagnostics: sortDiagnostics([...warnings, ...diagnostics]) };
}

function at(file: string, line: number, column: number, rule: string, message: string): Diagnostic {
  return { file, line, column, rule, message, path: '' };
}
