import type { LogRecord } from '../model/span.ts';
import { firstOf } from './identity.ts';
import { normalizeRayId } from './join-keys.ts';
import type { EnrichOptions } from './options.ts';
import { redactAttributes, redactText } from './redact.ts';
import { readResponseCodeDetails, type DetailsVerdict } from './response-code-details.ts';

export interface EnrichedLog {
  log: LogRecord;
  subject: string;
  httpStatus: number;
  verdict: DetailsVerdict | null;
  rayId: string;
  requestId: string;
}

// Istio's default text format (EnvoyTextLogFormat) starts:
// [%START_TIME%] "%REQ(:METHOD)% <path> %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% …
const istioTextLine = /^\[[^\]]*\] "[^"]*" (\d{1,3}) (\S+) (\S+) /;

/**
 * An access-log record carries the decision details spans lack. A deny is always kept; an allow only
 * where it corrects a span that looks like a local reply (a 401/403 that came from upstream).
 */
export function enrichLog(log: LogRecord, options: EnrichOptions): EnrichedLog {
  redactAttributes(log.attributes, options.redactKeys);
  redactAttributes(log.resource, options.redactKeys);
  log.body = redactText(log.body);
  const a = log.attributes;
  const line = istioTextLine.exec(log.body);
  const details = a.response_code_details ?? firstOf(a, options.detailsTags) ?? '';
  const status = Number(a.response_code ?? line?.[1] ?? 0);
  let verdict = readResponseCodeDetails(details !== '' ? details : (line?.[3] ?? ''));
  if (verdict?.decision === 'allow' && status !== 401 && status !== 403) verdict = null;
  return {
    log,
    subject: firstOf(a, ['enduser_id', ...options.claimTags]),
    httpStatus: Number.isInteger(status) && status > 0 && status < 65536 ? status : 0,
    verdict,
    rayId: normalizeRayId(firstOf(a, ['cf_ray', ...options.rayTags])),
    requestId: firstOf(a, ['request_id', ...options.requestIdTags]).toLowerCase(),
  };
}
