// Writes dist/revision.txt (the commit this build came from) for spin_build_info and
// `spin version`; without git (an export, an image build without .git) it writes nothing and the
// revision is SPIN_REVISION or 'unknown' at run time (src/util/version.ts).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';

try {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  writeFileSync(new URL('../dist/revision.txt', import.meta.url), `${head}\n`);
} catch {
  // Not a git checkout: nothing to record.
}
