export interface TailFacts {
  headSampled: boolean;
  denied: boolean;
  errored: boolean;
  durationMs: number;
}

/** Denied, failed and slow requests are the ones someone investigates, so they are kept whatever the head said. */
export function keepTrace(facts: TailFacts, slowMs: number): boolean {
  return facts.headSampled || facts.denied || facts.errored || facts.durationMs >= slowMs;
}
