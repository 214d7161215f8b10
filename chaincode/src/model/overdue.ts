/** Overdue is derived, never stored: a stored flag would be stale the moment time passes. */
import type { QualityObjection, ShareRequest } from './types.js';

/** The deadline that currently applies, or null when nobody owes an answer any more. */
export function currentDeadline(item: ShareRequest | QualityObjection): string | null {
  if ('requester' in item) {
    if (item.status === 'pending') return item.deadline;
    if (item.status === 'escalated') return item.escalation?.deadline ?? item.deadline;
    return null;
  }
  return item.status === 'open' ? item.deadline : null;
}

export function isOverdue(item: ShareRequest | QualityObjection, nowMs: number): boolean {
  const deadline = currentDeadline(item);
  return deadline !== null && nowMs > Date.parse(deadline);
}
