import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/util/unified-diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a.yaml', 'x\n', 'x\n')).toBe('');
  });

  it('prints hunks with context, removals before additions', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nC\nd\ne\nf\ng\nh\ni\n';
    expect(unifiedDiff('f.txt', before, after, 1)).toBe(
      [
        '--- a/f.txt',
        '+++ b/f.txt',
        '@@ -2,3 +2,3 @@',
        ' b',
        '-c',
        '+C',
        ' d',
        '@@ -8,1 +8,2 @@',
        ' h',
        '+i',
        '',
      ].join('\n'),
    );
  });

  it('is a patch the real patch(1) applies', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spin-diff-'));
    const before = 'services:\n  web:\n    image: x:1\n\n  db:\n    image: y:2\n';
    const after =
      'services:\n  web:\n    image: x:1\n    cap_drop: [ALL]\n\n  db:\n    image: y:2\n    cap_drop: [ALL]\n';
    writeFileSync(path.join(dir, 'compose.yaml'), before);
    writeFileSync(path.join(dir, 'fix.diff'), unifiedDiff('compose.yaml', before, after));
    execFileSync('patch', ['-p1', '-i', 'fix.diff'], { cwd: dir, stdio: 'pipe' });
    expect(readFileSync(path.join(dir, 'compose.yaml'), 'utf8')).toBe(after);
  });
});
