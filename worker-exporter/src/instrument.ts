import { resolveEdgeAuth } from './identity/edge-auth.ts';
import { instrumentWith } from './instrument-with.ts';

/**
 * Wraps a Worker's handler: one SERVER span per request, caller authentication and edge decision,
 * CLIENT spans and propagation (with the identity assertion) on subrequests, export after the
 * response through `ctx.waitUntil`. Other handlers on the object (scheduled, queue…) are passed
 * through unchanged.
 */
export const instrument = instrumentWith(resolveEdgeAuth);
