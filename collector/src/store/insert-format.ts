/** How serialised rows are laid out: Native blocks (what the collector writes), or JSON arrays (logs left by Seam 0.1). */
export type RowFormat = 'Native' | 'JSONCompactEachRow';

/** Rows to leave out of an insert: those whose `identity` (an SQL expression over the rows) is in `keys`. */
export interface SkipRows {
  identity: string;
  keys: string[];
}

export function quoteColumn(column: string): string {
  return `\`${column}\``;
}

export function columnList(columns: readonly string[]): string {
  return columns.map(quoteColumn).join(', ');
}
