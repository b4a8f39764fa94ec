/** Small promise helpers of the reconcile loop. */

/**
 * Resolves with the value, or undefined when `ms` passes first (the promise keeps running). Runs
 * twice per pass of every project: one promise and one timer, no race or async wrapper.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const timer = setTimeout(resolve, ms, undefined);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects, so one started early cannot become an unhandled rejection. */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The value of a settled promise again, or its error thrown. */
export async function unsettle<T>(settled: Promise<Settled<T>>): Promise<T> {
  const result = await settled;
  if (result.ok) return result.value;
  throw result.error;
}
