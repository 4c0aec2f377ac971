import { decisions, layers, linkMethods, mismatchKinds, timeSchema } from './params.ts';

// Response schemas: Fastify serializes with them (unlisted fields are dropped, so they stay complete)
// and the OpenAPI document publishes them.
const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const strings = { type: 'array', items: str } as const;
const traceId = { type: 'string', description: '32 hex digits' } as const;

export const errorSchema = {
  description: 'what was wrong and what to do',
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } } },
} as const;

export const decisionSchema = {
  type: 'object',
  required: ['timestamp', 'traceId', 'spanId', 'layer', 'service', 'subject', 'groups', 'decision', 'reason', 'policy', 'evidence', 'keyId', 'dryRun'],
  properties: {
    timestamp: time,
    traceId,
    spanId: str,
    layer: { type: 'string', description: `${layers.join(' | ')}, or empty when only an access log reported the decision` },
    service: str,
    subject: str,
    groups: strings,
    decision: { type: 'string', enum: [...decisions] },
    reason: str,
    policy: str,
    evidence: { type: 'string', enum: ['explicit', 'access_log', 'span', 'inferred'] },
    keyId: str,
    dryRun: {
      type: ['object', 'null'],
      description: 'what an Istio dry-run policy would have decided here',
      required: ['result', 'policy'],
      properties: { result: str, policy: str },
    },
  },
} as const;

export const linkSchema = {
  type: 'object',
  required: ['timestamp', 'edgeTraceId', 'meshTraceId', 'method', 'confidence', 'edgeService', 'meshService', 'subject'],
  properties: {
    timestamp: time,
    edgeTraceId: traceId,
    meshTraceId: traceId,
    method: { type: 'string', enum: [...linkMethods] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    edgeService: str,
    meshService: str,
    subject: str,
  },
} as const;

const sideSchema = {
  type: ['object', 'null'],
  required: ['decision', 'reason', 'policy', 'service'],
  properties: { decision: str, reason: str, policy: str, service: str },
} as const;

const meshSideSchema = {
  type: ['object', 'null'],
  description: 'the mesh workload whose decision the mismatch is about: for a deny, the deepest proxy that refused the request itself',
  required: [...sideSchema.required, 'evidence', 'spanId'],
  properties: { ...sideSchema.properties, evidence: { type: 'string', enum: ['', 'explicit', 'access_log', 'span', 'inferred'] }, spanId: str },
} as const;

export const mismatchSchema = {
  type: 'object',
  required: ['kind', 'timestamp', 'traceId', 'meshTraceId', 'subject', 'keyId', 'edge', 'mesh', 'meshEntry'],
  properties: {
    kind: { type: 'string', enum: [...mismatchKinds] },
    timestamp: time,
    traceId: { type: 'string', description: 'the edge trace; the mesh trace for mesh_without_edge' },
    meshTraceId: str,
    subject: str,
    keyId: str,
    edge: sideSchema,
    mesh: meshSideSchema,
    meshEntry: { type: ['object', 'null'], description: 'where the request entered the mesh', required: ['service'], properties: { service: str } },
  },
} as const;

export const spanSchema = {
  type: 'object',
  required: ['traceId', 'spanId', 'parentSpanId', 'layer', 'service', 'name', 'kind', 'start', 'durationNs', 'status', 'statusMessage', 'httpStatus', 'depth', 'attributes'],
  properties: {
    traceId,
    spanId: str,
    parentSpanId: str,
    layer: { type: 'string', enum: [...layers] },
    service: str,
    name: str,
    kind: str,
    start: time,
    durationNs: { type: 'integer', minimum: 0 },
    status: { type: 'string', enum: ['unset', 'ok', 'error'] },
    statusMessage: str,
    httpStatus: { type: 'integer' },
    depth: { type: 'integer', minimum: 0 },
    attributes: { type: 'object', additionalProperties: str },
  },
} as const;

export const traceDocumentSchema = {
  description: 'the joined story of one trace and the traces linked to it',
  type: 'object',
  required: ['traceId', 'summary', 'spans', 'layers', 'decisions', 'links', 'mismatches'],
  properties: {
    traceId,
    summary: str,
    spans: { type: 'array', items: spanSchema, description: 'parents before children; the trace first, then linked traces' },
    layers: {
      type: 'array',
      items: { type: 'object', required: ['layer', 'spanIds'], properties: { layer: str, spanIds: strings } },
    },
    decisions: { type: 'array', items: decisionSchema, description: 'edge first, then in time order' },
    links: { type: 'array', items: linkSchema },
    mismatches: { type: 'array', items: mismatchSchema },
  },
} as const;

export const traceListItemSchema = {
  type: 'object',
  required: ['traceId', 'start', 'durationNs', 'spanCount', 'errorCount', 'layers', 'services', 'subjects', 'edge', 'meshService', 'meshDenied'],
  properties: {
    traceId,
    start: time,
    durationNs: { type: 'integer', minimum: 0 },
    spanCount: { type: 'integer' },
    errorCount: { type: 'integer' },
    layers: strings,
    services: strings,
    subjects: strings,
    edge: {
      type: ['object', 'null'],
      required: ['service', 'subject', 'decision', 'reason'],
      properties: { service: str, subject: str, decision: str, reason: str },
    },
    meshService: str,
    meshDenied: { type: 'boolean' },
  },
} as const;

export const keySchema = {
  type: 'object',
  required: ['keyId', 'issuer', 'firstSeen', 'lastSeen', 'ageSeconds', 'requests', 'requestsPastRotation', 'pastRotation'],
  properties: {
    keyId: str,
    issuer: str,
    firstSeen: time,
    lastSeen: time,
    ageSeconds: { type: 'integer', description: 'how old the key was at its last use' },
    requests: { type: 'integer' },
    requestsPastRotation: { type: 'integer', description: 'edge requests signed after the rotation window had passed' },
    pastRotation: { type: 'boolean' },
  },
} as const;

/** `{ <name>: [...], nextCursor }` with the common error responses. */
export function listResponses(name: string, item: object): Record<string, object> {
  return {
    200: {
      description: `a page of ${name}, newest first`,
      type: 'object',
      required: [name, 'nextCursor'],
      properties: { [name]: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'], description: 'pass as cursor for the next page; null on the last' } },
    },
    ...errorResponses,
  };
}

export const errorResponses = { 400: errorSchema, 401: errorSchema, 403: errorSchema } as const;

/** `POST /policy/simulate`: the proposal and window (request) and the decisions it would flip (response). */
export const policySimulateBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: timeSchema,
    to: timeSchema,
    routes: { type: 'object', description: 'the proposed route policy, the Worker\'s seam.route-policy/v1 document' },
    authz: { type: 'string', minLength: 1, maxLength: 1_000_000, description: 'the complete proposed set of Istio AuthorizationPolicies, multi-document YAML or a kind: List' },
    rootNamespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', default: 'istio-system', description: 'Istio\'s root namespace' },
    assertionIssuer: { type: 'string', minLength: 1, maxLength: 512, description: 'iss of the edge\'s identity assertion, for requestPrincipals and request.auth.principal' },
    workloads: {
      type: 'object',
      description: 'labels of workloads by Seam service name (<canonical service>.<namespace>), for selectors on labels spans do not record',
      additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'flips and undecidable requests listed (all are counted)' },
  },
} as const;

const flipSchema = {
  type: 'object',
  required: ['timestamp', 'traceId', 'spanId', 'layer', 'service', 'subject', 'groups', 'method', 'path', 'from', 'to', 'rule'],
  properties: {
    timestamp: time,
    traceId,
    spanId: str,
    layer: str,
    service: str,
    subject: str,
    groups: strings,
    method: str,
    path: str,
    from: { type: 'string', enum: [...decisions] },
    to: { type: 'string', enum: [...decisions] },
    rule: { type: 'string', description: 'the rule that decides under the proposal: <route policy>/<rule id> or /default; ns[<ns>]-policy[<name>]-rule[<i>], none (no ALLOW rule matched) or default (no ALLOW policy applies)' },
  },
} as const;

export const policySimulationSchema = {
  type: 'object',
  required: ['window', 'evaluated', 'untouched', 'flipCount', 'flips', 'byRule', 'byGroup', 'undecidableCount', 'undecidable', 'undecidableByReason'],
  properties: {
    window: { type: 'object', required: ['from', 'to'], properties: { from: time, to: time } },
    evaluated: { type: 'integer', description: 'decision points the proposal governs, re-evaluated' },
    untouched: { type: 'integer', description: 'decision points it cannot change: authentication failures, public paths, layers it does not cover' },
    flipCount: { type: 'integer' },
    flips: { type: 'array', items: flipSchema },
    byRule: {
      type: 'array',
      items: {
        type: 'object',
        required: ['layer', 'rule', 'from', 'to', 'count', 'sampleTraceIds'],
        properties: { layer: str, rule: str, from: str, to: str, count: { type: 'integer' }, sampleTraceIds: strings },
      },
    },
    byGroup: {
      type: 'array',
      items: { type: 'object', required: ['group', 'allowToDeny', 'denyToAllow'], properties: { group: str, allowToDeny: { type: 'integer' }, denyToAllow: { type: 'integer' } } },
    },
    undecidableCount: { type: 'integer' },
    undecidable: {
      type: 'array',
      items: {
        type: 'object',
        required: ['timestamp', 'traceId', 'spanId', 'layer', 'service', 'reason'],
        properties: { timestamp: time, traceId, spanId: str, layer: str, service: str, reason: str },
      },
    },
    undecidableByReason: { type: 'array', items: { type: 'object', required: ['reason', 'count'], properties: { reason: str, count: { type: 'integer' } } } },
  },
} as const;
