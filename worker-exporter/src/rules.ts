// The rule documents alone, without the tracing runtime: what `seam policy render` in the collector imports.
export { parseMapping, MAPPING_SCHEMA, type ClaimMapping, type MappingRule, type ParsedMapping } from './mapping/document.ts';
export { evaluateMapping } from './mapping/evaluate.ts';
export { parseRoutePolicy, ROUTE_POLICY_SCHEMA, type RoutePolicy, type RouteRule } from './policy/document.ts';
export { evaluateRoute, type RouteDecision } from './policy/route.ts';
export { InvalidDocumentError } from './lib/invalid.ts';
