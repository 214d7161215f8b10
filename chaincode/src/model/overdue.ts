/** Overdue is derived, never stored: a stored flag would be stale the moment time passes. */
import type { CatalogUpdateRequirement, QualityObjection, ShareRequest } from './types.js';

/** Everything that owes someone an answer by a deadline. */
export type Answerable = ShareRequest | QualityObjection | CatalogUpdateRequirement;

/** The deadline that currently applies, or null when nobody owes an answer any more. */
export function currentDeadline(item: Answerable): string | null {
  if ('requester' in item) {
    if (item.status === 'pending') return item.deadline;
    if (item.status === 'escalated') return item.escalation?.deadline ?? item.deadline;
    return null;
  }
  // Objections and catalog update requirements are owed while open.
  return item.status === 'open' ? item.deadline : null;
}

export function isOverdue(item: Answerable, nowMs: number): boolean {
  const deadline = currentDeadline(item);
  return deadline !== null && nowMs > Date.parse(deadline);
}
