import type { DependsOnCondition, StackModel } from '../stack/model.js';
import type { PathSegment } from '../stack/diagnostics.js';

/**
 * What an engine can do with a stack. The gate refuses, located, what the configured engine
 * cannot do, before anything is applied (`spin validate` says it on a laptop).
 */
export interface EngineCapabilities {
  /** The engine's name, for messages. */
  engine: string;
  dependsOnConditions: readonly DependsOnCondition[];
  updateOrders: readonly ('start-first' | 'stop-first')[];
  hostPorts: boolean;
  bindMounts: boolean;
  /** Secrets and configs delivered as files on the host, bound into the containers. */
  secretFiles: boolean;
  /** Secrets and configs stored by the engine itself (Swarm secret and config objects). */
  secretObjects?: boolean;
  /** `network_mode`/`pid`/`ipc: service:X` */
  sharedNamespaces: boolean;
  /** `deploy.placement` (node constraints and spread preferences); absent: not supported. */
  placement?: boolean;
}

export interface UnsupportedFeature {
  rule: string;
  message: string;
  /** Where in the stack document, e.g. ['services', 'web', 'ports', 0]. */
  path: PathSegment[];
}

/** Pure: each use of something the engine cannot do, with its place in the stack. */
export function unsupportedFeatures(model: StackModel, caps: EngineCapabilities): UnsupportedFeature[] {
  const found: UnsupportedFeature[] = [];
  const refuse = (path: PathSegment[], what: string) =>
    found.push({
      rule: 'engine.unsupported',
      message: `${what} is not supported by the ${caps.engine} engine; remove it or deploy to an engine that supports it`,
      path,
    });
  for (const spec of Object.values(model.services)) {
    const at = ['services', spec.name];
    for (const [dep, on] of Object.entries(spec.dependsOn)) {
      if (!caps.dependsOnConditions.includes(on.condition))
        refuse([...at, 'depends_on', dep, 'condition'], `depends_on condition ${on.condition}`);
    }
    if (!caps.updateOrders.includes(spec.updateConfig.order))
      refuse([...at, 'deploy', 'update_config', 'order'], `update order ${spec.updateConfig.order}`);
    spec.ports.forEach((p, i) => {
      if (p.published !== undefined && !caps.hostPorts) refuse([...at, 'ports', i], 'a published host port');
    });
    spec.mounts.forEach((m, i) => {
      if (m.type === 'bind' && !caps.bindMounts) refuse([...at, 'volumes', i], 'a bind mount');
    });
    if (spec.placement && !caps.placement) refuse([...at, 'deploy', 'placement'], 'deploy.placement');
    if (!caps.secretFiles && !caps.secretObjects) {
      (spec.secrets ?? []).forEach((_, i) => refuse([...at, 'secrets', i], 'a secret'));
      (spec.configs ?? []).forEach((_, i) => refuse([...at, 'configs', i], 'a config'));
    }
    if (!caps.sharedNamespaces) {
      for (const key of ['networkMode', 'pid', 'ipc'] as const) {
        const value = (spec as { [k in typeof key]?: string })[key];
        const field = key === 'networkMode' ? 'network_mode' : key;
        if (value?.startsWith('service:')) refuse([...at, field], `${field}: ${value}`);
      }
    }
  }
  return found;
}
