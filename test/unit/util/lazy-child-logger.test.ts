import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/util/logger.js';
import { lazyChildLogger } from '../../../src/util/lazy-child-logger.js';

function capture(level: string): {
  log: ReturnType<typeof createLogger>;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ level, destination });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('lazyChildLogger', () => {
  it('logs with the bindings, like log.child', () => {
    const { log, lines } = capture('info');
    const child = lazyChildLogger(log, { pass: 'p-1' });
    child.info({ project: 'a' }, 'hello');
    child.warn('second');
    expect(lines()).toMatchObject([
      { pass: 'p-1', project: 'a', msg: 'hello' },
      { pass: 'p-1', msg: 'second' },
    ]);
  });

  it('does not make the child for a level that is off, and still redacts what it logs', () => {
    const { log, lines } = capture('info');
    let made = 0;
    const counting = new Proxy(log, {
      get(target, key) {
        if (key === 'child') made++;
        return Reflect.get(target, key, target) as unknown;
      },
    });
    const child = lazyChildLogger(counting, { pass: 'p-2' });
    child.debug('not shown');
    child.trace('not shown either');
    // Asking for a level (what a caller does before gathering a debug line's fields) makes none.
    expect(child.isLevelEnabled('debug')).toBe(false);
    expect(child.isLevelEnabled('info')).toBe(true);
    expect(made).toBe(0);
    child.error({ env: { SECRET: 'value' } }, 'shown');
    expect(made).toBe(1);
    expect(lines()).toEqual([expect.objectContaining({ pass: 'p-2', env: '[redacted]', msg: 'shown' })]);
    expect(child.isLevelEnabled('debug')).toBe(false);
  });
});
