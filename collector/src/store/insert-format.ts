/** How serialised rows are laid out: Native blocks (what the collector writes), or JSON arrays (logs left by Seam 0.1). */
export type RowFormat = 'Native' | 'JSONCompactEachRow';

/** Rows to leave out of an insert: those whose `identity` (an SQL expression over the rows) is in `keys`. */
export interface SkipRows {
  identity: string;
  keys: string[];
}

export function columnList(columns: readonly string[]): string {
  return columns.map((column) => `\`${column}\``).join(', ');
}

/** The WHERE clause that leaves out `skip`'s rows (its keys go in the query parameter `skip`), or nothing. */
export function skipClause(skip: SkipRows | undefined): string {
  return skip ? ` WHERE ${skip.identity} NOT IN {skip:Array(String)}` : '';
}

/**
 * Settings of every row insert. Seam's materialized views run side by side instead of one after another:
 * they cost more than the table itself, and with one core preparing requests the other is otherwise
 * idle while they run (bench: `storage limit` rows, views in sequence against side by side).
 */
export const insertSettings = { parallel_view_processing: 1 } as const;

/** Settings as a query's SETTINGS clause lists them. */
export function settingsList(settings: Readonly<Record<string, number>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ');
}
