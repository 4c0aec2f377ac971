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
