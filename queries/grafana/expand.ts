/**
 * Turns a panel's SQL into what ClickHouse receives from Grafana, in Grafana's order: the plugin's
 * frontend resolves `$__conditionalAll`, Grafana interpolates template variables, then the plugin's
 * backend expands its time macros (grafana/clickhouse-datasource `pkg/macros/macros.go`).
 * The dashboard test runs every panel through this, so a panel that only works with one particular
 * selection, or uses a macro the plugin does not have, fails here rather than in a user's Grafana.
 */

/** The value Grafana gives a variable while "All" is selected (no custom all value). */
export const ALL = '$__all';

export interface QueryContext {
  from: Date;
  to: Date;
  /** Grafana's computed `$__interval`, in milliseconds. */
  intervalMs: number;
  variables: Record<string, string | string[]>;
}

export function expandPanelSql(sql: string, context: QueryContext): string {
  const expanded = expandMacros(interpolateVariables(applyConditionalAll(sql, context.variables), context.variables), context);
  if (expanded.includes('$')) throw new Error(`unexpanded "$" left in:\n${expanded}`);
  return expanded;
}

/**
 * `$__conditionalAll(condition, $var)` becomes `1=1` when the variable is "All" or empty, else the
 * condition. Like the plugin, the innermost-last occurrence is resolved first and arguments are split
 * at top-level commas only.
 */
export function applyConditionalAll(sql: string, variables: Record<string, string | string[]>): string {
  const macro = '$__conditionalAll(';
  let out = sql;
  for (let at = out.lastIndexOf(macro); at !== -1; at = out.lastIndexOf(macro)) {
    const open = at + macro.length - 1;
    const { args, end } = readArguments(out, open);
    if (args.length !== 2) throw new Error(`$__conditionalAll needs 2 arguments, got ${args.length}: ${out.slice(at, end)}`);
    const name = args[1]!.trim().replace(/^\$/, '');
    const value = variables[name];
    if (value === undefined) throw new Error(`$__conditionalAll refers to an undefined variable $${name}`);
    const text = Array.isArray(value) ? value.join(',') : value;
    const replacement = text === '' || text === ALL ? '1=1' : args[0]!.trim();
    out = out.slice(0, at) + replacement + out.slice(end);
  }
  return out;
}

const variablePattern = /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g;

/** `${name}`, `${name:singlequote}`, `${name:sqlstring}` and `$name`; `$__…` names are the plugin's and left alone. */
export function interpolateVariables(sql: string, variables: Record<string, string | string[]>): string {
  return sql.replace(variablePattern, (match, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    if (name.startsWith('__')) return match;
    const value = variables[name];
    if (value === undefined) throw new Error(`undefined template variable ${match}`);
    const values = Array.isArray(value) ? value : [value];
    if (values.includes(ALL)) throw new Error(`${match} is interpolated while "All" is selected; wrap its condition in $__conditionalAll`);
    switch (format) {
      case undefined:
      case 'raw':
        return values.join(',');
      case 'singlequote':
        return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
      case 'sqlstring':
        return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
      default:
        throw new Error(`unsupported variable format in ${match}`);
    }
  });
}

function expandMacros(sql: string, context: QueryContext): string {
  const fromS = Math.floor(context.from.getTime() / 1000);
  const toS = Math.floor(context.to.getTime() / 1000);
  const fromMs = context.from.getTime();
  const toMs = context.to.getTime();
  const intervalS = Math.max(Math.floor(context.intervalMs / 1000), 1);
  const intervalMs = Math.max(Math.floor(context.intervalMs), 1);
  const one = (name: string, args: string[]): string => {
    if (args.length !== 1) throw new Error(`$__${name} needs 1 argument, got ${args.length}`);
    return args[0]!.trim();
  };
  const macros: Record<string, (args: string[] | undefined) => string> = {
    fromTime: () => `toDateTime(${fromS})`,
    toTime: () => `toDateTime(${toS})`,
    fromTime_ms: () => `fromUnixTimestamp64Milli(${fromMs})`,
    toTime_ms: () => `fromUnixTimestamp64Milli(${toMs})`,
    timeFilter: (args) => {
      const c = one('timeFilter', args ?? []);
      return `${c} >= toDateTime(${fromS}) AND ${c} <= toDateTime(${toS})`;
    },
    timeFilter_ms: (args) => {
      const c = one('timeFilter_ms', args ?? []);
      return `${c} >= fromUnixTimestamp64Milli(${fromMs}) AND ${c} <= fromUnixTimestamp64Milli(${toMs})`;
    },
    timeInterval: (args) => `toStartOfInterval(toDateTime(${one('timeInterval', args ?? [])}), INTERVAL ${intervalS} second)`,
    timeInterval_ms: (args) => `toStartOfInterval(toDateTime64(${one('timeInterval_ms', args ?? [])}, 3), INTERVAL ${intervalMs} millisecond)`,
    interval_s: () => String(intervalS),
  };
  // Grafana's own global variables, interpolated before the plugin sees the query: the range in epoch ms.
  sql = sql.replaceAll('${__from}', String(fromMs)).replaceAll('${__to}', String(toMs));
  let out = '';
  let index = 0;
  for (let at = sql.indexOf('$__', index); at !== -1; at = sql.indexOf('$__', index)) {
    out += sql.slice(index, at);
    const name = /^\$__(\w+)/.exec(sql.slice(at))![1]!;
    const macro = macros[name];
    if (!macro) throw new Error(`no macro $__${name} in the set the dashboards use (research/anchors.md §2)`);
    let end = at + 3 + name.length;
    let args: string[] | undefined;
    if (sql[end] === '(') ({ args, end } = readArguments(sql, end));
    out += macro(args);
    index = end;
  }
  return out + sql.slice(index);
}

/** Arguments of the call whose `(` is at `open`, split at commas outside nested parentheses and quotes. */
function readArguments(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i));
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`unbalanced parentheses after position ${open}`);
}
