/** Where a bind's host path points, judged on the absolute path in the request. */
import { isUnder, normaliseHostPath } from '../helpers.js';
import { expandRoots, underAny } from '../mount-options.js';
import type { RuleId } from '../types.js';
import type { AdmissionContext } from './context.js';

export type HostPathJudgement = { ok: true; spin: boolean } | { ok: false; rule: RuleId; message: string };

export function judgeHostPath(source: unknown, ctx: AdmissionContext): HostPathJudgement {
  if (typeof source !== 'string' || !source.startsWith('/'))
    return {
      ok: false,
      rule: 'mounts.bind-root',
      message: `bind source ${JSON.stringify(source)} is not an absolute host path`,
    };
  const path = normaliseHostPath(source);
  const verdict = judgeNormalPath(path, ctx);
  // `..` is resolved by the kernel through symlinks, not by text: only normal paths are trusted.
  if (verdict.ok && path !== source.replace(/\/+$/, '') && source !== '/')
    return {
      ok: false,
      rule: 'mounts.escape',
      message: `bind source "${source}" is not a normal path (it reads as "${path}")`,
    };
  return verdict;
}

function judgeNormalPath(path: string, ctx: AdmissionContext): HostPathJudgement {
  if (underAny(path, ctx.spinRoots.map(normaliseHostPath))) return { ok: true, spin: true };
  const policy = ctx.policy.mounts;
  if (/docker\.sock$/i.test(path))
    return {
      ok: false,
      rule: 'mounts.docker-socket',
      message: `"${path}" is the Docker socket, which gives root on the host`,
    };
  const roots = expandRoots(policy.allowedRoots, ctx.project);
  const root = roots.find((r) => isUnder(path, r));
  const sensitive = policy.sensitivePaths
    .map(normaliseHostPath)
    .find((s) => (s === '/' ? path === '/' : isUnder(path, s)) && !(root && root !== s && isUnder(root, s)));
  if (sensitive !== undefined)
    return {
      ok: false,
      rule: 'mounts.sensitive-path',
      message: `"${path}" is under ${sensitive}, a host system folder`,
    };
  if (root === undefined)
    return {
      ok: false,
      rule: 'mounts.bind-root',
      message: `"${path}" is outside the allowed host roots (${roots.join(', ') || 'none'}); use a named volume or read-only repository files`,
    };
  return { ok: true, spin: false };
}
