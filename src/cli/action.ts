/**
 * Commander ignores what an action returns; commands here return their exit code, and this
 * wrapper records it for `main` to hand back (set only by the one action that runs).
 */
export const exitState = { code: 0 };

export function withExit<A extends unknown[]>(
  fn: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitState.code = await fn(...args);
  };
}
