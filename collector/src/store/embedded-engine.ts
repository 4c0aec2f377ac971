// The embedded ClickHouse engine (chdb and its 500 MB native library) is an optional dependency: an
// install that writes to a ClickHouse server leaves it out, so it is loaded only when a store opens
// without CLICKHOUSE_URL.

export type EmbeddedEngine = typeof import('chdb/connection');

/** Raised when the embedded engine is wanted but its package is not installed. */
class EmbeddedEngineMissingError extends Error {
  constructor() {
    super(
      'CLICKHOUSE_URL is unset, so Seam would store into its embedded ClickHouse engine, but that engine ' +
        '(the optional npm package chdb) is not installed here; set CLICKHOUSE_URL to a ClickHouse server ' +
        "(http://host:8123), or run the image built from the Dockerfile's seam-embedded target, or install " +
        'the optional dependencies (`npm ci` without `--omit=optional`)',
    );
    this.name = 'EmbeddedEngineMissingError';
  }
}

export async function loadEmbeddedEngine(): Promise<EmbeddedEngine> {
  try {
    return await import('chdb/connection');
  } catch (error) {
    if (isChdbMissing(error)) throw new EmbeddedEngineMissingError();
    throw error;
  }
}

/** True when chdb itself cannot be found, not when chdb is present and fails for another reason. */
function isChdbMissing(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && /['"]chdb['"/]/.test(message);
}
