import type { SeamConfig } from '../config/schema.ts';
import type { Store } from '../store/open.ts';
import type { Scope } from './queries/run.ts';

/** What every `/api/v1` route plugin is registered with. */
export interface RouteContext {
  store: Store;
  config: SeamConfig;
}

declare module 'fastify' {
  /** Documentation keywords the OpenAPI generator publishes; Fastify ignores them. */
  interface FastifySchema {
    summary?: string;
    description?: string;
  }
  interface FastifyRequest {
    /** Set by the API guard before any handler runs. */
    apiScope: Scope;
  }
}
