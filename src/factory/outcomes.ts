/**
 * What happened to a board, one factory event each. `attempt` is written just before a key is written to a
 * board; the row with its result follows (a lone attempt means the station stopped between the two, and the
 * board must be checked).
 */
export const OUTCOMES = ['attempt', 'written', 'unchanged', 'refused-conflict', 'failed', 'dry-run'] as const;
export type Outcome = (typeof OUTCOMES)[number];
