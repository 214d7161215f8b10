/**
 * CPU time spent per phase of the transaction flow, for the benchmark's split. Phases are
 * measured synchronously around CPU-bound work only (awaits excluded where it matters), so the
 * sums are CPU time of the one JavaScript thread, not wall time.
 */
export const PHASES = ['simulate', 'sign', 'verify', 'commit'] as const;
export type Phase = (typeof PHASES)[number];

const totals: Record<Phase, number> = { simulate: 0, sign: 0, verify: 0, commit: 0 };

export function timed<T>(phase: Phase, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    totals[phase] += performance.now() - start;
  }
}

export function addTime(phase: Phase, ms: number): void {
  totals[phase] += ms;
}

export function phaseTotals(): Record<Phase, number> {
  return { ...totals };
}

export function resetPhaseTotals(): void {
  for (const p of PHASES) totals[p] = 0;
}
