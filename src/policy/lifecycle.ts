/**
 * How a service is stopped and updated: `stop_grace_period` is how long every stop, removal and
 * rolling update of it waits before SIGKILL, and `update_config.delay`/`monitor` how long the
 * daemon sleeps and watches during a rolling update, so each has a ceiling; `stop_signal` must
 * end a process. (update_config never reaches the engine: the last gate cannot see it.)
 */
import { parseDurationMs } from '../util/units.js';
import type { RuleGroup } from './helpers.js';
import { where } from './resources.js';
import { stopSignalProblem } from './signals.js';

export const lifecycle: RuleGroup = {
  name: 'resources',
  rules: {
    'resources.stop-grace-period':
      'a `stop_grace_period` above `maxStopGracePeriod` (each stop and update of the service waits it out)',
    'resources.stop-signal':
      '`stop_signal` values that are not a Linux signal, or that pause instead of end (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)',
    'resources.update-wait':
      '`deploy.update_config.delay` or `monitor` above `maxUpdateWait` (the daemon sleeps and watches that long in a rolling update)',
  },
  check(ctx) {
    const policy = ctx.policy.resources;
    const maxMs = parseDurationMs(policy.maxStopGracePeriod) ?? 0;
    for (const s of ctx.services) {
      const spec = s.spec;
      if (!spec) continue;
      // The model keeps whole seconds, rounded up: what the engine gets as StopTimeout.
      if (spec.stopGracePeriodSeconds * 1000 > maxMs) {
        ctx.report(
          'resources.stop-grace-period',
          [...s.path, 'stop_grace_period'],
          `stop_grace_period ${spec.stopGracePeriodSeconds}s is above the ceiling of ${policy.maxStopGracePeriod}: every stop and update of the service would wait it out; shorten it`,
        );
      }
      const maxWaitMs = parseDurationMs(policy.maxUpdateWait) ?? 0;
      for (const [key, ms] of [
        ['delay', spec.updateConfig.delayMs],
        ['monitor', spec.updateConfig.monitorMs],
      ] as const) {
        if (ms <= maxWaitMs) continue;
        ctx.report(
          'resources.update-wait',
          where(s, ['deploy', 'update_config', key], ['deploy', 'update_config']),
          `update_config.${key} ${ms}ms is above the ceiling of ${policy.maxUpdateWait} (maxUpdateWait): the daemon would wait that long in each rolling update; shorten it`,
        );
      }
      const problem = spec.stopSignal === undefined ? undefined : stopSignalProblem(spec.stopSignal);
      if (problem) {
        ctx.report(
          'resources.stop-signal',
          [...s.path, 'stop_signal'],
          `stop_signal: ${problem}; use a signal that ends the process, e.g. SIGTERM`,
        );
      }
    }
  },
};
