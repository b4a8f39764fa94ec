/**
 * The last gate over how a container is stopped: StopTimeout is how long every `docker stop`
 * (each rollout, each removal) waits before SIGKILL, and a negative one makes the engine wait
 * for ever; StopSignal must be a signal that ends a process.
 */
import { parseDurationMs } from '../../util/units.js';
import { stopSignalProblem } from '../signals.js';
import type { Findings } from './context.js';

export function judgeStop(f: Findings, body: Record<string, unknown>): void {
  if (!f.enabled('resources')) return;
  const policy = f.policy.resources;
  const timeout = body.StopTimeout;
  const maxSeconds = (parseDurationMs(policy.maxStopGracePeriod) ?? 0) / 1000;
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 0 || timeout > maxSeconds)
  ) {
    f.add(
      'resources.stop-grace-period',
      'StopTimeout',
      `stop grace period ${String(timeout)}s must be between 0 and ${policy.maxStopGracePeriod} (maxStopGracePeriod): every stop and update of the service waits it out`,
      ['stop_grace_period'],
    );
  }
  const signal = body.StopSignal;
  if (signal === undefined) return;
  const problem = typeof signal === 'string' ? stopSignalProblem(signal) : 'StopSignal is not text';
  if (problem)
    f.add('resources.stop-signal', 'StopSignal', `stop signal: ${problem}; use e.g. SIGTERM`, [
      'stop_signal',
    ]);
}
