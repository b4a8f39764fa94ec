/**
 * What a service leaves unset is filled from the policy before anything judges or hashes it, so
 * no request is "unlimited by omission": a pids limit and a rotating log config. The gate then
 * judges the filled model and the request rendered from it, and the config hash covers what the
 * engine gets. Pure: returns a new model and leaves the input as it was.
 */
import type { ServiceSpec, StackModel } from '../stack/model.js';
import type { ResolvedPolicy } from './types.js';

export function applyPolicyDefaults(model: StackModel, policy: ResolvedPolicy): StackModel {
  const services: Record<string, ServiceSpec> = {};
  for (const [name, spec] of Object.entries(model.services)) services[name] = serviceDefaults(spec, policy);
  return { ...model, services };
}

function serviceDefaults(spec: ServiceSpec, policy: ResolvedPolicy): ServiceSpec {
  const limits =
    spec.limits.pids === undefined
      ? { ...spec.limits, pids: policy.resources.defaultPidsLimit }
      : spec.limits;
  return { ...spec, limits, logging: loggingDefaults(spec.logging, policy) };
}

/**
 * No `logging:` gets the policy's default config. A driver named without rotation gets the
 * default's rotation options when it is the same driver (the common `driver: json-file`); an
 * empty driver means the engine's default, which is the host's choice, so it is replaced too.
 */
function loggingDefaults(logging: ServiceSpec['logging'], policy: ResolvedPolicy): ServiceSpec['logging'] {
  const fallback = policy.logging.default;
  if (!logging || logging.driver === '') {
    return { driver: fallback.driver, options: { ...fallback.options, ...(logging?.options ?? {}) } };
  }
  if (logging.driver !== fallback.driver || 'max-size' in logging.options) return logging;
  return { driver: logging.driver, options: { ...fallback.options, ...logging.options } };
}
