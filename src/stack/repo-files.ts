import path from 'node:path';
import { ageFormat } from '../util/age-format.js';
import type { Diagnostic, PathSegment } from './diagnostics.js';
import { collector, locateFindings, type Source } from './findings.js';
import type { StackModel } from './model.js';
import { sha256 } from './secrets.js';
import { PathEscapeError, type FileReader } from './source.js';

/** Larger config and secret files are refused: they are delivered through memory and tmpfs. */
export const MAX_MATERIAL_BYTES = 1024 * 1024;

/**
 * Where a `file:` of a secret or config points inside the repository (POSIX, from its root), or
 * undefined when it is absolute, a home path or leaves the repository: those are never read (the
 * policy's `mounts.escape` refuses them with its own message).
 */
export function repositoryPath(stackDir: string, file: string): string | undefined {
  if (file.startsWith('/') || file.startsWith('~')) return undefined;
  const joined = path.posix.normalize(path.posix.join(stackDir === '' ? '.' : stackDir, file));
  if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined)) return undefined;
  return joined;
}

/**
 * The loader's last stage: the files that `configs.*.file` and `secrets.*.file` name must exist in
 * the repository (at the commit, or in the folder `spin validate` reads); a config file's digest
 * goes into the model; a secret file must be age-encrypted, since a secret is never kept in git
 * in plaintext. Nothing a file holds ever reaches a message.
 */
export async function checkRepositoryFiles(
  reader: FileReader,
  model: StackModel,
  stackDir: string,
  source: Source,
): Promise<Diagnostic[]> {
  const { report, findings } = collector();
  const read = async (at: PathSegment[], file: string): Promise<Uint8Array | undefined> => {
    const repoPath = repositoryPath(stackDir, file);
    if (repoPath === undefined) return undefined;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await reader.readFile(repoPath);
    } catch (err) {
      if (!(err instanceof PathEscapeError)) throw err;
      report(
        at,
        'mounts.escape',
        `"${file}" is a symlink that leads outside the stack's folder; commit the file itself inside the repository`,
      );
      return undefined;
    }
    if (!bytes) {
      report(
        at,
        'stack.missing-file',
        `"${file}" is not a file in the repository (paths are relative to the stack file's folder)`,
      );
      return undefined;
    }
    if (bytes.length > MAX_MATERIAL_BYTES) {
      report(
        at,
        'stack.file-too-large',
        `"${file}" is ${bytes.length} bytes; secrets and configs may be at most ${MAX_MATERIAL_BYTES} bytes (keep larger data in a volume)`,
      );
      return undefined;
    }
    return bytes;
  };

  for (const config of Object.values(model.configs ?? {})) {
    if (config.file === undefined) continue;
    const bytes = await read(['configs', config.name, 'file'], config.file);
    if (bytes) config.digest = sha256(bytes);
  }
  for (const secret of Object.values(model.secrets ?? {})) {
    if (secret.source !== 'file' || secret.file === undefined) continue;
    const at = ['secrets', secret.name, 'file'];
    const bytes = await read(at, secret.file);
    if (bytes && ageFormat(bytes) === undefined) {
      report(
        at,
        'stack.plaintext-secret',
        `"${secret.file}" is not age-encrypted, and secrets are never kept in git in plaintext: encrypt it with age (age -r <recipient> -a) and commit only the encrypted file, or keep the value in Spin's secret store (spin secret set ${model.project} ${secret.name}) and declare \`${secret.name}: {}\`; then remove the plaintext from the repository's history`,
      );
    }
  }
  return locateFindings(findings, source);
}
