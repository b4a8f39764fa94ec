/**
 * Logging: a local driver that rotates. Drivers that ship logs (syslog, gelf, fluentd, …) make
 * dockerd connect to an address from the host's network namespace, which the container itself
 * could not reach; `json-file` without rotation fills the disk. Judged on the filled model (the
 * policy's default config is given to services without one) with the same function the last
 * gate runs on the request, so the two cannot disagree.
 */
import { judgeLogConfig } from './admission/logging.js';
import { Findings } from './admission/context.js';
import { asRecord, has, type RuleGroup, type ServiceEntry } from './helpers.js';
import type { PathSegment } from '../stack/diagnostics.js';

export const logging: RuleGroup = {
  name: 'logging',
  rules: {
    'logging.driver': 'log drivers outside `drivers` (by default all but `json-file` and `local`)',
    'logging.option': 'log options outside the per-driver allow list (addresses, URLs, sockets, tags …)',
    'logging.rotation': 'logs without `max-size`, or above `maxSize` / `maxFiles`',
  },
  check(ctx) {
    const context = { policy: ctx.policy, project: ctx.project, containers: new Map(), spinRoots: [] };
    for (const s of ctx.services) {
      if (!s.spec?.logging) continue;
      const f = new Findings(context, { kind: 'service', name: s.name });
      judgeLogConfig(f, { Type: s.spec.logging.driver, Config: s.spec.logging.options });
      for (const finding of f.list)
        ctx.report(finding.rule, firstWritten(s, finding.fields), finding.message);
    }
  },
};

function firstWritten(s: ServiceEntry, fields: readonly (string | number)[][]): PathSegment[] {
  for (const field of fields) {
    let node: unknown = s.raw;
    let found = true;
    for (const key of field) {
      const obj = asRecord(node);
      if (!has(obj, String(key))) {
        found = false;
        break;
      }
      node = obj[String(key)];
    }
    if (found) return [...s.path, ...field];
  }
  return s.path;
}
