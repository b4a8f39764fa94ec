import { randomBytes } from 'node:crypto';

/**
 * A short id for one reconcile pass: its log lines carry it (`pass`), its history row stores it
 * and its commit status links to it, so an operator can go from any of them to the others.
 * Random rather than a counter so ids stay distinct across restarts; 8 hex digits are plenty for
 * the bounded history of one project.
 */
export function newPassId(): string {
  return randomBytes(4).toString('hex');
}
