import { readFileSync } from 'node:fs';

/** What this build of Spin is: package.json's version and, when known, the git commit it was built from. */
export interface BuildInfo {
  version: string;
  /** The commit the build came from, or 'unknown'. */
  revision: string;
}

// src/util/version.ts and dist/util/version.js both sit two levels below the package root, so
// package.json is found the same way from the sources (tests) and from the build (bin/spin).
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);
const REVISION_FILE = new URL('../revision.txt', import.meta.url);

/**
 * The one place the version is read (the CLI's --version, `spin version`, the API and
 * spin_build_info). The revision is the SPIN_REVISION environment variable if set (an image
 * built without .git passes it as a build argument), else dist/revision.txt, written by
 * `npm run build` from `git rev-parse HEAD`, else 'unknown'.
 */
export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  return { version: packageVersion(), revision: revision(env) };
}

let cachedVersion: string | undefined;

function packageVersion(): string {
  if (cachedVersion === undefined) {
    const parsed = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    cachedVersion = typeof parsed.version === 'string' ? parsed.version : 'unknown';
  }
  return cachedVersion;
}

const REVISION = /^[0-9a-f]{7,64}$/;

function revision(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.SPIN_REVISION?.trim();
  if (fromEnv) return fromEnv;
  try {
    const fromFile = readFileSync(REVISION_FILE, 'utf8').trim();
    // Only a commit id is trusted from the file: it becomes a metric label.
    if (REVISION.test(fromFile)) return fromFile;
  } catch {
    // No file: a build from an export without git, or the sources run directly (tests).
  }
  return 'unknown';
}
