import type { FastifyInstance, RouteOptions } from 'fastify';

interface RouteSchema {
  summary?: string;
  description?: string;
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  [keyword: string]: unknown;
}

interface Documented {
  method: string;
  url: string;
  schema: RouteSchema;
}

/**
 * Records the schema of every route registered after it, so the OpenAPI document is derived from the
 * same schemas Fastify validates and serializes with, and cannot drift from them.
 */
export function collectRoutes(app: FastifyInstance, prefix: string): Documented[] {
  const routes: Documented[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith(prefix) || !route.schema) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema as RouteSchema });
    }
  });
  return routes;
}

/** OpenAPI 3.1 (whose schemas are JSON Schema, so the route schemas carry over unchanged). */
export function openApiDocument(routes: Documented[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [
      ...parametersOf(route.schema.params, 'path'),
      ...parametersOf(route.schema.querystring, 'query'),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(route.schema.response ?? {})) {
      responses[status] = { description: schema.description ?? `HTTP ${status}`, content: { 'application/json': { schema } } };
    }
    (paths[path] ??= {})[route.method] = {
      summary: route.schema.summary,
      description: route.schema.description,
      parameters,
      ...(route.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.schema.body } } } } : {}),
      responses,
      security: [{ bearer: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a Seam API token or a JWT from the configured issuer' } } },
  };
}

function parametersOf(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  return Object.entries(schema?.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (schema?.required ?? []).includes(name),
    description: property.description,
    schema: property,
  }));
}
