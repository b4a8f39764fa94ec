/** The last gate over HostConfig.LogConfig: a local driver, rotation options only, bounded. */
import { parseByteSize } from '../helpers.js';
import { Findings, isObject, refuseUnknownKeys } from './context.js';

export function judgeLogConfig(f: Findings, value: unknown): void {
  if (!f.enabled('logging')) return;
  const policy = f.policy.logging;
  if (value === undefined) {
    // Policy defaults fill every service's logging, so a request without it bypassed them.
    f.add(
      'logging.rotation',
      'HostConfig.LogConfig',
      'the request has no log configuration; logs would grow without bound',
      ['logging'],
    );
    return;
  }
  if (!isObject(value)) {
    f.add('logging.driver', 'HostConfig.LogConfig', 'LogConfig is not an object', ['logging']);
    return;
  }
  refuseUnknownKeys(f, value, 'HostConfig.LogConfig.', new Set(['Type', 'Config']));
  const driver = typeof value.Type === 'string' ? value.Type : '';
  if (!policy.drivers.includes(driver)) {
    f.add(
      'logging.driver',
      'HostConfig.LogConfig.Type',
      `log driver "${driver}" is not allowed (allowed: ${policy.drivers.join(', ') || 'none'}); drivers that ship logs make the engine connect out from the host`,
      ['logging', 'driver'],
      ['logging'],
    );
    return;
  }
  const config = isObject(value.Config) ? value.Config : {};
  const allowed = Object.hasOwn(policy.options, driver) ? (policy.options[driver] ?? []) : [];
  for (const [key, option] of Object.entries(config)) {
    if (!allowed.includes(key) || typeof option !== 'string') {
      f.add(
        'logging.option',
        `HostConfig.LogConfig.Config.${key}`,
        `log option "${key}" is not allowed for ${driver} (allowed: ${allowed.join(', ') || 'none'})`,
        ['logging', 'options', key],
        ['logging'],
      );
    }
  }
  if (!policy.requireRotation) return;
  const rawSize = config['max-size'];
  const size = typeof rawSize === 'string' ? parseByteSize(rawSize) : undefined;
  const max = parseByteSize(policy.maxSize) ?? 0;
  if (size === undefined || size <= 0 || size > max) {
    f.add(
      'logging.rotation',
      'HostConfig.LogConfig.Config.max-size',
      `logs must rotate: max-size ${rawSize === undefined ? 'is missing' : `"${String(rawSize)}" is not a size`} (at most ${String(policy.maxSize)})`,
      ['logging', 'options', 'max-size'],
      ['logging'],
    );
  }
  const rawFiles = config['max-file'];
  if (rawFiles !== undefined) {
    const files = typeof rawFiles === 'string' && /^\d+$/.test(rawFiles) ? Number(rawFiles) : NaN;
    if (!(files >= 1 && files <= policy.maxFiles)) {
      f.add(
        'logging.rotation',
        'HostConfig.LogConfig.Config.max-file',
        `max-file "${String(rawFiles)}" must be 1 to ${policy.maxFiles}`,
        ['logging', 'options', 'max-file'],
        ['logging'],
      );
    }
  }
}
