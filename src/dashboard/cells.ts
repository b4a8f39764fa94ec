import type { ProjectStatus } from '../status/project-status.js';
import { badge } from './badges.js';
import { markup, type SafeHtml } from './escape.js';
import { formatAge, shortSha } from './format.js';
import type { Field } from './selectors.js';

/**
 * The parts of a project's status that change between passes, as the cells the refresh script
 * re-renders. client-script.ts has a JavaScript twin of this file; a unit test keeps them equal.
 */
export function statusCells(status: ProjectStatus, now: number): Record<Field, SafeHtml> {
  const suspended = status.suspended ? markup` ${badge('suspended', 'Suspended')}` : '';
  const reason = status.healthReason ? markup` <span class="reason">${status.healthReason}</span>` : '';
  return {
    sync: markup`${badge('sync', status.sync)}${suspended}`,
    health: markup`${badge('health', status.health)}${reason}`,
    commit: commitCell(status),
    age: status.lastReconcile ? timeAgo(status.lastReconcile, now) : markup`<span class="muted">never</span>`,
    error: errorCell(status),
  };
}

export function commitRef(sha: string | undefined): SafeHtml {
  if (!sha) return markup`<span class="muted">none</span>`;
  return markup`<code title="${sha}">${shortSha(sha)}</code>`;
}

export function timeAgo(iso: string, now: number): SafeHtml {
  return markup`<time datetime="${iso}" title="${iso}" data-age>${formatAge(iso, now)}</time>`;
}

function commitCell(status: ProjectStatus): SafeHtml {
  const head = status.desiredCommit;
  const behind =
    head && head !== status.appliedCommit ? markup` <span class="muted">head ${commitRef(head)}</span>` : '';
  return markup`${commitRef(status.appliedCommit)}${behind}`;
}

function errorCell(status: ProjectStatus): SafeHtml {
  const error = status.lastError;
  if (!error) return markup`<span class="muted">none</span>`;
  // `||`, not `??`: an empty commit means none, as in the client twin.
  const commit = error.commit || status.refusedCommit;
  const at = commit ? markup` <span class="muted">at ${commitRef(commit)}</span>` : '';
  return markup`<strong class="error-reason">${error.reason}</strong> <span class="error-message">${error.message}</span>${at}`;
}
