import { loadConfig } from '../config/load.ts';
import type { SeamConfig } from '../config/schema.ts';
import { parsePage, parseWindow } from '../api/params.ts';
import { listDecisions } from '../api/queries/decisions.ts';
import { listKeys } from '../api/queries/keys.ts';
import { listMismatches } from '../api/queries/mismatches.ts';
import { searchTraces } from '../api/queries/traces.ts';
import { getTrace } from '../api/queries/trace.ts';
import type { Store } from '../store/open.ts';
import { stringOption, UsageError, type ParsedArgs } from './args.ts';
import { storeOptions } from '../config/store-options.ts';

export type Params = Record<string, string | undefined>;

/**
 * The query API seen from the CLI: over HTTP against a running collector (`--url`), or straight on the
 * embedded data directory with the same query functions the routes call. Either way it returns the
 * API's JSON documents.
 */
export interface Reader {
  get(path: string, params: Params): Promise<unknown>;
  close(): Promise<void>;
}

export async function openReader(args: ParsedArgs): Promise<Reader> {
  const url = stringOption(args, 'url');
  if (url) return httpReader(url, stringOption(args, 'token') ?? process.env.SEAM_TOKEN);
  const config = loadConfig(process.env, stringOption(args, 'config'));
  // Loaded only here: the embedded engine is slow to load and a --url client never needs it.
  const { openStore } = await import('../store/open.ts');
  const store = await openStore(storeOptions(config));
  return storeReader(store, config);
}

function httpReader(base: string, token: string | undefined): Reader {
  return {
    async get(path, params) {
      const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
      const target = `${base.replace(/\/$/, '')}/api/v1${path}${query.size > 0 ? `?${query}` : ''}`;
      let response: Response;
      try {
        response = await fetch(target, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      } catch (error) {
        throw new UsageError(`cannot reach ${base} (${(error as Error).message}); is the collector running, and is --url its API address?`);
      }
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (!response.ok) throw new ReaderError(response.status, body?.error?.message ?? `HTTP ${response.status} from ${target}`);
      return body;
    },
    close: async () => {},
  };
}

/** A refusal from the API (or the same check done locally), with the API's status. */
export class ReaderError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Direct reads: no authentication, since whoever can open the data directory can read it anyway. */
export function storeReader(store: Store, config: SeamConfig): Reader {
  return {
    async get(path, params) {
      const window = parseWindow({ from: params.from, to: params.to });
      const page = parsePage({ limit: params.limit === undefined ? undefined : Number(params.limit), cursor: params.cursor });
      const trace = /^\/traces\/([0-9a-f]{32})$/.exec(path);
      if (trace) {
        const document = await getTrace(store, trace[1]!, null);
        if (!document) throw new ReaderError(404, `no spans stored for trace ${trace[1]}`);
        return document;
      }
      if (path === '/traces') return searchTraces(store, window, params, page, null);
      if (path === '/decisions') return listDecisions(store, window, params, page, null);
      if (path === '/mismatches') return listMismatches(store, window, params, page, null);
      if (path === '/keys') return listKeys(store, window, page, config.correlation.keyRotationHours);
      throw new Error(`the CLI has no direct reader for ${path}`);
    },
    close: () => store.close(),
  };
}
