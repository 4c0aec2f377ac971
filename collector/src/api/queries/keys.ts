import type { Store } from '../../store/open.ts';
import { formatNs, pageParams, paginate, windowParams, type Page, type Window } from '../params.ts';
import type { KeyRecord } from '../shapes.ts';
import { runSql } from './run.ts';

interface KeyRow {
  keyId: string;
  issuer: string;
  firstSeenNs: string;
  ts: string;
  requests: string | number;
  requestsPastRotation: string | number;
}

export async function listKeys(store: Store, window: Window, page: Page, rotationHours: number): Promise<{ keys: KeyRecord[]; nextCursor: string | null }> {
  const rows = await runSql<KeyRow>(store, 'keys.sql', { ...windowParams(window), ...pageParams(page), rotationHours });
  const { rows: kept, nextCursor } = paginate(rows, page, (row) => ({ ns: row.ts, k1: row.keyId, k2: row.issuer }));
  return {
    keys: kept.map((row) => {
      const ageSeconds = Number((BigInt(row.ts) - BigInt(row.firstSeenNs)) / 1_000_000_000n);
      return {
        keyId: row.keyId,
        issuer: row.issuer,
        firstSeen: formatNs(row.firstSeenNs),
        lastSeen: formatNs(row.ts),
        ageSeconds,
        requests: Number(row.requests),
        requestsPastRotation: Number(row.requestsPastRotation),
        pastRotation: ageSeconds > rotationHours * 3600,
      };
    }),
    nextCursor,
  };
}
