import { randomUUID } from 'node:crypto';

/**
 * A short id for one reconcile pass: its log lines carry it (`pass`), its history row stores it
 * and its commit status links to it, so an operator can go from any of them to the others.
 * Random rather than a counter so ids stay distinct across restarts; 8 hex digits are plenty for
 * the bounded history of one project.
 */
export function newPassId(): string {
  // A UUID's first 8 hex digits are random, and randomUUID draws from a cached pool: one is
  // made at every poll of every project, where a randomBytes call each went to OpenSSL.
  return randomUUID().slice(0, 8);
}
