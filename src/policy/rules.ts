/** The registry of rule groups, in the order they run. */
import type { RuleGroup } from './helpers.js';
import { containerNames } from './container-names.js';
import { identity } from './identity.js';
import { images } from './images.js';
import { isolation } from './isolation.js';
import { lifecycle } from './lifecycle.js';
import { logging } from './logging.js';
import { mounts } from './mounts.js';
import { namespaces } from './namespaces.js';
import { ports } from './ports.js';
import { privilege } from './privilege.js';
import { resources } from './resources.js';
import type { RuleId } from './types.js';

export const RULE_GROUPS: readonly RuleGroup[] = [
  privilege,
  namespaces,
  mounts,
  identity,
  images,
  ports,
  containerNames,
  resources,
  lifecycle,
  isolation,
  logging,
];

export interface RuleInfo {
  id: RuleId;
  /** The policy section that configures it (`privilege`, `network`, …). */
  group: string;
  /** What it refuses, in a few words. */
  refuses: string;
}

export const RULES: readonly RuleInfo[] = [
  ...RULE_GROUPS.flatMap((g) =>
    Object.entries(g.rules).map(([id, refuses]) => ({
      id: id as RuleId,
      group: g.name,
      refuses: refuses ?? '',
    })),
  ),
  // Only the last gate reports it: a key of the engine request it does not know.
  {
    id: 'admission.unknown-field',
    group: 'admission',
    refuses: 'any engine request field the last gate does not know (an allow list)',
  },
  // The configured engine cannot do it (src/drivers/capabilities.ts, and the Swarm gate).
  {
    id: 'engine.unsupported',
    group: 'engine',
    refuses: 'what the configured engine cannot do (e.g. privileged services on Swarm)',
  },
];
