/**
 * Pure: is a Swarm placement constraint or spread preference within the policy's allow list
 * (`isolation.placement`)? An entry `node.labels.KEY` allows any comparison on that node label;
 * `node.labels.KEY==VALUE` allows that one constraint. Constraints on `node.id`,
 * `node.hostname`, `node.role`, `node.platform.*` or `engine.labels.*` are never allowed: they name
 * the operator's machines, not the capacities a project was granted.
 */
export function placementAllowed(expression: string, allowed: readonly string[]): boolean {
  const parsed = parseConstraint(expression);
  if (!parsed) return false;
  return allowed.some((entry) => {
    const [key, value] = entry.split('==').map((s) => s.trim());
    if (key !== parsed.key) return false;
    return value === undefined || (parsed.op === '==' && parsed.value === value);
  });
}

/** `node.labels.tier == gateway` -> its parts; a spread preference is a bare key. */
export function parseConstraint(
  expression: string,
): { key: string; op?: '==' | '!='; value?: string } | undefined {
  const m = /^\s*(node\.labels\.[A-Za-z0-9._-]+)\s*(?:(==|!=)\s*([^=!\s][^=!]*?))?\s*$/.exec(expression);
  if (!m) return undefined;
  const [, key, op, value] = m;
  return op ? { key: key as string, op: op as '==' | '!=', value } : { key: key as string };
}
