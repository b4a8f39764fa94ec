import path from 'node:path';
import type { Diagnostic, PathSegment } from './diagnostics.js';
import { collector, locateFindings } from './findings.js';
import type { StackModel } from './model.js';
import { repositoryPath } from './repo-files.js';
import { PathEscapeError, type FileReader, type LocatedDocument } from './source.js';

/**
 * Files of the repository that bind mounts name are written to disk for the container (the
 * daemon's bare cache has no work tree; reconciler/bind-sources.ts), and read whole to do so. A
 * file of zeros compresses to almost nothing in git, so its size is checked first, from what the
 * reader can tell without reading it (a blob's header, a file's stat): a larger one refuses the
 * commit (`mounts.repo-file-size`, the policy's `mounts.maxRepositoryFileBytes`) before its
 * content is ever in memory. A folder (or a missing path) is refused here too
 * (`mounts.repo-not-a-file`): only files are delivered, and `spin validate` must say so in the
 * same words as the daemon's gate. Paths that leave the repository are other rules'.
 */
export async function checkBindFileSizes(
  reader: FileReader,
  model: StackModel,
  stackDir: string,
  maxBytes: number,
  document: LocatedDocument,
): Promise<Diagnostic[]> {
  const { report, findings } = collector();
  if (!reader.fileSize) return [];
  const root = rawServices(document.value);
  for (const service of Object.values(model.services)) {
    for (const mount of service.mounts) {
      if (mount.type !== 'bind') continue;
      const repoPath = repositoryPath(stackDir, mount.source);
      if (repoPath === undefined) continue;
      let size: number | undefined;
      try {
        size = await reader.fileSize(repoPath);
      } catch (err) {
        if (!(err instanceof PathEscapeError)) throw err;
        report(
          mountPath(root, service.name, mount.source),
          'mounts.escape',
          `"${mount.source}" is a symlink that leads outside the stack's folder; commit the file itself inside the repository`,
        );
        continue;
      }
      if (size === undefined) {
        report(
          mountPath(root, service.name, mount.source),
          'mounts.repo-not-a-file',
          `"${mount.source}" is not a file in the repository: Spin delivers files of the repository to bind mounts, not folders (nor missing paths); bind each file on its own (./html/index.html:/usr/share/nginx/html/index.html:ro), ship the folder in the image, or use a config or a volume`,
        );
        continue;
      }
      if (size <= maxBytes) continue;
      report(
        mountPath(root, service.name, mount.source),
        'mounts.repo-file-size',
        `"${mount.source}" is ${size} bytes; files of the repository that a bind mount names may be at most ${maxBytes} bytes (mounts.maxRepositoryFileBytes): keep large data in a volume or an allowed host folder`,
      );
    }
  }
  return locateFindings(findings, document);
}

/** The services of the located document, for finding the entry a mount came from. */
function rawServices(doc: unknown): Record<string, unknown> {
  const services = isRecord(doc) ? doc.services : undefined;
  return isRecord(services) ? services : {};
}

/** Where a bind was written: its `volumes:` entry (short or long syntax), else the list. */
function mountPath(services: Record<string, unknown>, service: string, source: string): PathSegment[] {
  const base: PathSegment[] = ['services', service, 'volumes'];
  const raw = isRecord(services[service]) ? services[service].volumes : undefined;
  if (!Array.isArray(raw)) return base;
  const same = (s: unknown) =>
    typeof s === 'string' && path.posix.normalize(s) === path.posix.normalize(source);
  const index = raw.findIndex((entry) =>
    typeof entry === 'string' ? same(entry.split(':')[0]) : isRecord(entry) && same(entry.source),
  );
  return index < 0 ? base : [...base, index];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
