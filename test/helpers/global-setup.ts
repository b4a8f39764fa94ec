/**
 * vitest globalSetup: the integration tests need a real Docker engine and the local test images.
 * A missing engine fails the run (it is never a reason to skip tests).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TEST_IMAGES } from './images.js';
import { sweepTestLeftovers } from './docker.js';

const execFileP = promisify(execFile);

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// /usr/local/bin/docker may be a newer client that shadows Debian's; prefer the latter.
const dockerBin = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

async function imageExists(image: string): Promise<boolean> {
  try {
    await execFileP(dockerBin, ['image', 'inspect', '--format', '{{.Id}}', image], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function missingImages(): Promise<string[]> {
  const present = await Promise.all(TEST_IMAGES.map(imageExists));
  return TEST_IMAGES.filter((_, i) => !present[i]);
}

export default async function globalSetup(): Promise<void> {
  try {
    await execFileP(dockerBin, ['info'], { timeout: 30_000 });
  } catch (err) {
    // `docker info` prints the connection error in its Server section on stdout.
    const e = err as Error & { stdout?: string; stderr?: string };
    const detail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`
      .split('\n')
      .filter((l) => /error|cannot|denied/i.test(l) && !l.includes('errors pretty printing info'))
      .map((l) => l.replace(/^\s*ERROR:\s*/, '').trim())
      .join(' ');
    throw new Error(`Docker engine not reachable: run scripts/setup.sh (${detail || e.message})`, {
      cause: err,
    });
  }

  if ((await missingImages()).length > 0) {
    try {
      await execFileP('bash', ['scripts/build-test-images.sh'], { cwd: repoRoot, timeout: 300_000 });
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`scripts/build-test-images.sh failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`, {
        cause: err,
      });
    }
    const still = await missingImages();
    if (still.length > 0) throw new Error(`test images still missing after build: ${still.join(', ')}`);
  }

  // The engine outlives test runs: remove what earlier runs' test projects (`t-*`) left behind, so
  // leaked networks do not eat the engine's ~30 bridge address pools run after run. Only old
  // leftovers go, so a second run on the same engine does not pull a running test's containers away.
  const swept = await sweepTestLeftovers();
  if (swept > 0) console.log(`global setup: removed leftovers of ${swept} earlier test project(s)`);
}
