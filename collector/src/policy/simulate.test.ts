import { parseRoutePolicy } from '@seam/worker-exporter/rules';
import { describe, expect, it } from 'vitest';
import { parseAuthorizationPolicies } from './istio/authorization.ts';
import { meshRequest, Simulation, type RecordedShape } from './simulate.ts';

const routes = parseRoutePolicy({
  schema: 'seam.route-policy/v1',
  name: 'shop',
  default: 'deny',
  rules: [{ id: 'read', methods: ['GET'], pathPrefix: '/api/', groups: ['eng'] }],
});

let sequence = 0;
/** One recorded point, as a shape of count 1. */
function point(overrides: Partial<RecordedShape>): RecordedShape {
  sequence++;
  return {
    layer: 'edge',
    service: 'edge-gateway',
    decision: 'allow',
    reason: 'route_policy',
    linked: 0,
    subject: 'alice',
    edgeIssuer: 'https://auth.example.com/',
    mappingVersion: 'sha256:0011223344556677',
    groups: ['eng'],
    method: 'GET',
    host: 'shop.example.com',
    path: '/api/items',
    inboundPort: '',
    namespace: '',
    canonicalService: '',
    canonicalRevision: '',
    userAgent: '',
    sourceNamespace: '',
    count: 1,
    samples: [[String(1_764_000_000_000_000_000n + BigInt(sequence)), sequence.toString(16).padStart(32, '0'), sequence.toString(16).padStart(16, '0'), 'alice']],
    ...overrides,
  };
}

describe('Simulation (edge)', () => {
  it('compares with the recorded decision and counts flips by rule and by group', () => {
    const simulation = new Simulation({ routes }, 1);
    simulation.add(point({}));
    simulation.add(point({ groups: ['reviewers'] }));
    simulation.add(point({ groups: ['reviewers', 'eng'], path: '/admin', decision: 'allow' }));
    simulation.add(point({ decision: 'deny', groups: ['eng'], path: '/api/x' }));
    const result = simulation.result();
    expect(result.evaluated).toBe(4);
    expect(result.flipCount).toBe(3);
    // At most `limit` flips are listed; all are counted.
    expect(result.flips).toHaveLength(1);
    expect(result.byRule.map((r) => `${r.rule} ${r.from}→${r.to} ${r.count}`)).toEqual(['shop/default allow→deny 1', 'shop/read allow→deny 1', 'shop/read deny→allow 1']);
    expect(result.byGroup).toEqual([
      { group: 'eng', allowToDeny: 1, denyToAllow: 1 },
      { group: 'reviewers', allowToDeny: 2, denyToAllow: 0 },
    ]);
  });

  it('counts every point of a shape and lists its samples up to the limit', () => {
    const simulation = new Simulation({ routes }, 3);
    const samples: RecordedShape['samples'] = [
      ['30', 'c'.repeat(32), 'c'.repeat(16), 'carol'],
      ['10', 'a'.repeat(32), 'a'.repeat(16), 'alice'],
    ];
    simulation.add(point({ groups: ['reviewers'], count: 5, samples }));
    simulation.add(point({ groups: ['reviewers'], path: '/other', count: 4, samples: [['20', 'b'.repeat(32), 'b'.repeat(16), 'bob'], ['40', 'd'.repeat(32), 'd'.repeat(16), 'dan']] }));
    const result = simulation.result();
    expect(result).toMatchObject({ evaluated: 9, flipCount: 9 });
    expect(result.flips.map((f) => `${f.timeNs} ${f.subject} ${f.rule}`)).toEqual(['10 alice shop/read', '20 bob shop/default', '30 carol shop/read']);
    expect(result.byRule.map((r) => `${r.rule} ${r.count} ${r.sampleTraceIds.length}`)).toEqual(['shop/read 5 2', 'shop/default 4 2']);
    expect(result.byGroup).toEqual([{ group: 'reviewers', allowToDeny: 9, denyToAllow: 0 }]);
  });

  it('leaves authentication failures and public paths alone, and says when a span lacks the request', () => {
    const simulation = new Simulation({ routes }, 10);
    simulation.add(point({ decision: 'deny', reason: 'jwt_expired', groups: [] }));
    simulation.add(point({ reason: 'public_path', groups: [], path: '/admin' }));
    simulation.add(point({ method: '' }));
    const result = simulation.result();
    expect(result).toMatchObject({ evaluated: 1, untouched: 2, flipCount: 0, undecidableCount: 1 });
    expect(result.undecidable[0]!.reason).toBe('the edge span records no HTTP method or URL path');
  });

  it('does not touch a layer the proposal does not cover', () => {
    const simulation = new Simulation({ routes }, 10);
    simulation.add(point({ layer: 'sidecar', decision: 'deny', reason: 'rbac' }));
    expect(simulation.result()).toMatchObject({ evaluated: 0, untouched: 1 });
  });
});

describe('Simulation (mesh)', () => {
  const authz = parseAuthorizationPolicies(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews, namespace: default }
spec:
  selector: { matchLabels: { app: reviews, tier: backend } }
  rules:
  - when: [{ key: "request.auth.claims[groups]", values: ["reviewers"] }]
`);
  const sidecar = (overrides: Partial<RecordedShape>) =>
    point({ layer: 'sidecar', service: 'reviews.default', reason: '', linked: 1, namespace: 'default', canonicalService: 'reviews', canonicalRevision: 'v1', inboundPort: '9080', ...overrides });

  it('needs the labels spans do not record, and takes them from the workloads given', () => {
    const unlabelled = new Simulation({ authz }, 10);
    unlabelled.add(sidecar({ groups: ['eng'] }));
    expect(unlabelled.result().undecidable[0]!.reason).toContain('workload label "tier" of reviews.default is not recorded');

    const labelled = new Simulation({ authz, workloadLabels: { 'reviews.default': { app: 'reviews', tier: 'backend' } } }, 10);
    labelled.add(sidecar({ groups: ['eng'] }));
    labelled.add(sidecar({ groups: ['reviewers'] }));
    labelled.add(sidecar({ groups: ['eng'], decision: 'deny', reason: 'authn' }));
    const result = labelled.result();
    expect(result).toMatchObject({ evaluated: 2, untouched: 1, flipCount: 1, undecidableCount: 0 });
    expect(result.flips[0]).toMatchObject({ layer: 'sidecar', from: 'allow', to: 'deny', rule: 'none' });
  });

  it('knows the asserted claims only through a linked edge request', () => {
    const request = meshRequest(sidecar({ linked: 0 }), {});
    expect(request.claim(['groups'])).toEqual({ unknown: 'no edge request is linked to this mesh request, so its asserted claims are unknown' });
    const linked = meshRequest(sidecar({ groups: ['a', 'b'] }), { assertionIssuer: 'https://edge.example.com' });
    expect(linked.claim(['groups'])).toEqual({ values: ['a', 'b'] });
    expect(linked.requestPrincipal).toEqual({ values: ['https://edge.example.com/alice'] });
    expect(linked.label('app')).toEqual({ values: ['reviews'] });
    expect(linked.label('version')).toEqual({ values: ['v1'] });
    expect(linked.port).toEqual({ values: ['9080'] });
    expect('unknown' in linked.claim(['email'])).toBe(true);
  });
});
