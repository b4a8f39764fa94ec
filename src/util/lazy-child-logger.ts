import type { Bindings, Logger } from 'pino';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = (): void => {};

/**
 * `log.child(bindings)`, made only when something is logged through it. A pass gets a child
 * with its pass id, but an idle pass logs nothing at the default level, and making a pino child
 * (its bindings serialised and redacted) at every poll of every project is measurable. Calls
 * at a level that is off never make the child.
 */
export function lazyChildLogger(log: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const made = (): Logger => (child ??= log.child(bindings));
  const isLevelEnabled = (level: string): boolean => log.isLevelEnabled(level);
  return new Proxy(log, {
    get(_target, key) {
      if (child === undefined && typeof key === 'string' && LEVELS.has(key) && !log.isLevelEnabled(key))
        return noop;
      // A child logs at its parent's level: asking needs no child.
      if (child === undefined && key === 'isLevelEnabled') return isLevelEnabled;
      const target = made();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
