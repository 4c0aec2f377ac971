import type { DecisionRecord, LinkRecord, MismatchRecord } from '../shapes.ts';

/**
 * One line a person reads first, e.g. "edge allowed auth0|42 (groups admin,eng); mesh denied at
 * reviews.default: rbac none; mismatch edge_allow_mesh_deny".
 */
export function summarize(decisions: DecisionRecord[], links: LinkRecord[], mismatches: MismatchRecord[]): string {
  const parts: string[] = [];
  const edge = decisions.find((d) => d.layer === 'edge');
  if (edge) {
    const who = edge.subject || 'an anonymous caller';
    const groups = edge.groups.length > 0 ? ` (groups ${edge.groups.join(',')})` : '';
    const why = edge.decision === 'deny' ? `: ${[edge.reason, edge.policy].filter(Boolean).join(' ') || 'no reason given'}` : '';
    parts.push(`edge ${edge.decision === 'deny' ? 'denied' : 'allowed'} ${who}${groups}${why}`);
  } else {
    parts.push('no edge decision');
  }
  const mesh = decisions.filter((d) => d.layer !== 'edge');
  const denial = mesh.find((d) => d.decision === 'deny');
  if (denial) parts.push(`mesh denied at ${denial.service || 'an unnamed proxy'}: ${[denial.reason, denial.policy].filter(Boolean).join(' ')}`);
  else if (mesh.length > 0) parts.push(`mesh allowed at ${mesh.length} decision point${mesh.length === 1 ? '' : 's'}`);
  else parts.push('no mesh decision');
  const fallback = links.find((link) => link.method !== 'trace_id');
  if (fallback) parts.push(`linked by ${fallback.method} (confidence ${fallback.confidence})`);
  const kinds = [...new Set(mismatches.map((m) => m.kind))];
  if (kinds.length > 0) parts.push(`mismatch ${kinds.join(', ')}`);
  return parts.join('; ');
}
