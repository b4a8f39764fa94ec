/**
 * What a create-volume and a create-network body share: the engine name must be the project's own
 * (`<project>_<key>`, see stack/names.ts, which no other project can produce) and the labels in
 * Spin's reserved prefix must be Spin's, with this project's values.
 */
import { LABEL } from '../../stack/names.js';
import { judgeLabels } from './container.js';
import type { Findings } from './context.js';
import type { RuleId } from '../types.js';

export interface ProjectObject {
  /** The body's `Name`. */
  name: unknown;
  /** The body's `Labels`. */
  labels: unknown;
  /** The name the project's key must give. */
  expectedName: string;
  /** The object's key in the stack. */
  key: string;
  /** The label that carries the key (`spin.volume`, `spin.network`). */
  keyLabel: string;
  /** Refuses a foreign name (`isolation.external-volume`, `isolation.external-network`). */
  nameRule: RuleId;
  kind: 'volume' | 'network';
}

export function judgeProjectObject(f: Findings, o: ProjectObject): void {
  if (o.name !== o.expectedName) {
    f.add(o.nameRule, 'Name', `${o.kind} name ${JSON.stringify(o.name)} is not "${o.expectedName}"`, []);
  }
  judgeLabels(f, o.labels, [LABEL.managed, LABEL.project, o.keyLabel], ['labels'], {
    [LABEL.project]: f.ctx.project,
    [o.keyLabel]: o.key,
  });
}
