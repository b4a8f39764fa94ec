import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS } from '../../../src/cli/daemon-node-flags.js';

const root = path.resolve(import.meta.dirname, '../../..');

/**
 * The daemon's Node flags are the same wherever it is started (the systemd unit, the image, the
 * benchmarks import the constant), and this Node takes them and sizes its young generation by them.
 */
describe('the daemon’s Node flags', () => {
  it('are on the command line of contrib/spin.service and of the image’s entrypoint', async () => {
    const unit = await readFile(path.join(root, 'contrib/spin.service'), 'utf8');
    const execStart = unit.split('\n').find((l) => l.startsWith('ExecStart='));
    expect(execStart?.split(' ').slice(1, 1 + DAEMON_NODE_FLAGS.length)).toEqual(DAEMON_NODE_FLAGS);
    const dockerfile = await readFile(path.join(root, 'Dockerfile'), 'utf8');
    const entrypoint = dockerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
    const argv = JSON.parse(entrypoint?.slice('ENTRYPOINT '.length) ?? '[]') as string[];
    expect(argv.slice(1, 1 + DAEMON_NODE_FLAGS.length)).toEqual(DAEMON_NODE_FLAGS);
  });

  it('give a young generation of 16 MB per semi-space (V8 shrinks it to about 1 MB by itself)', async () => {
    const newSpace = async (flags: readonly string[]) => {
      const { stdout } = await promisify(execFile)(process.execPath, [
        ...flags,
        '-e',
        "console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)",
      ]);
      return Number(stdout.trim());
    };
    expect(await newSpace(DAEMON_NODE_FLAGS)).toBeGreaterThanOrEqual(16 * 2 ** 20);
    expect(await newSpace([])).toBeLessThan(16 * 2 ** 20);
  });
});
