/**
 * Renders the schema templates in `queries/schema/` for one ClickHouse server (or the embedded engine)
 * or for a cluster. The templates name tables through placeholders so that one set of files serves both:
 *
 * - `{{local NAME}}`        the physical table (`NAME`, or `NAME_local` on a cluster)
 * - `{{sharded NAME}}`      what a materialized view writes to when rows must be re-sharded (`NAME`, the
 *                           Distributed table on a cluster)
 * - `{{on_cluster}}`        `ON CLUSTER <name>` on a cluster
 * - `{{engine E}}`          `E`, or `ReplicatedE('/clickhouse/tables/{shard}/{database}/<table>', '{replica}')`
 * - `{{distributed NAME EXPR}}` nothing, or a Distributed table `NAME` over `NAME_local` sharded by EXPR
 * - `{{retention_days}}`, `{{identity_window_ms}}`, `{{key_rotation_hours}}`  configured values
 * - `{{near_window C}}`, `{{near_window_days D}}`  in a parameterized view (`fromNs`, `toNs`), keep rows of a
 *                           DateTime64 column C, or days of a Date partition column D, within the window
 *                           widened by the near margin: the other half of a request may lie just outside it
 * - `{{near_margin_ns}}`    that margin: five minutes plus the identity window. The parts of one request
 *                           (edge and mesh spans, access log, the mesh request an identity link pairs)
 *                           start within seconds of each other; the rest is room for skewed clocks.
 * - `{{near_margin_s}}`     that margin in seconds, rounded up to whole minutes, for per-minute rows
 * - `{{in_window C}}`       the window itself, for the rows a view returns
 */
export interface SchemaTarget {
  cluster?: string | undefined;
  retentionDays: number;
  /** Rendered into the repeatable correlation views. */
  identityWindowMs?: number;
  keyRotationHours?: number;
}

const windowFrom = 'fromUnixTimestamp64Nano({fromNs:Int64})';
const windowTo = 'fromUnixTimestamp64Nano({toNs:Int64})';

const placeholder = /\{\{\s*(\w+)((?:\s+[^}]+)?)\s*\}\}/g;

export function renderSchema(template: string, target: SchemaTarget): string {
  const cluster = target.cluster;
  const quotedCluster = cluster === undefined ? '' : quoteIdentifier(cluster);
  let currentTable = '';
  return template.replace(placeholder, (_match, name: string, rawArgs: string, offset: number) => {
    const args = rawArgs.trim();
    switch (name) {
      case 'local': {
        const table = cluster === undefined ? args : `${args}_local`;
        if (/CREATE TABLE IF NOT EXISTS\s*$/.test(template.slice(Math.max(0, offset - 40), offset))) currentTable = table;
        return table;
      }
      case 'sharded':
        return args;
      case 'on_cluster':
        return cluster === undefined ? '' : `ON CLUSTER ${quotedCluster}`;
      case 'engine':
        return cluster === undefined ? args : replicatedEngine(args, currentTable);
      case 'distributed': {
        if (cluster === undefined) return '';
        const [table, ...expression] = args.split(/\s+/);
        return (
          `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${quotedCluster} AS ${table}_local\n` +
          `ENGINE = Distributed(${quoteString(cluster)}, currentDatabase(), ${quoteString(`${table}_local`)}, ${expression.join(' ')});`
        );
      }
      case 'retention_days':
        return String(target.retentionDays);
      case 'identity_window_ms':
        return String(identityWindowMs(target));
      case 'key_rotation_hours':
        return String(target.keyRotationHours ?? 24);
      case 'near_margin_ns':
        return `${nearMarginMs(target)}000000`;
      case 'near_margin_s':
        return String(Math.ceil(nearMarginMs(target) / 60_000) * 60);
      case 'near_window':
        return `${args} BETWEEN ${windowFrom} - ${nearMargin(target)} AND ${windowTo} + ${nearMargin(target)}`;
      case 'near_window_days':
        return `${args} BETWEEN toDate32(${windowFrom} - ${nearMargin(target)}) AND toDate32(${windowTo} + ${nearMargin(target)})`;
      case 'in_window':
        return `${args} BETWEEN ${windowFrom} AND ${windowTo}`;
      default:
        throw new Error(`unknown schema placeholder {{${name}}}`);
    }
  });
}

function identityWindowMs(target: SchemaTarget): number {
  return target.identityWindowMs ?? 2000;
}

function nearMarginMs(target: SchemaTarget): number {
  return 5 * 60_000 + identityWindowMs(target);
}

function nearMargin(target: SchemaTarget): string {
  return `toIntervalMillisecond(${nearMarginMs(target)})`;
}

function replicatedEngine(engine: string, table: string): string {
  const match = /^(\w+)(?:\((.*)\))?$/.exec(engine);
  if (!match) throw new Error(`cannot replicate engine ${engine}`);
  const [, family, params] = match;
  const path = quoteString(`/clickhouse/tables/{shard}/{database}/${table}`);
  const extra = params ? `, ${params}` : '';
  return `Replicated${family}(${path}, '{replica}'${extra})`;
}

function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new Error(`cluster name "${name}" is not a plain identifier; use letters, digits, "_" or "-"`);
  return `"${name}"`;
}

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
