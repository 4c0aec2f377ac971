import { ByteWriter } from './byte-writer.ts';
import type { Column } from './columns.ts';

/**
 * A table's rows as one block of ClickHouse's Native format: column count, row count, then per column
 * its name, its type and its values. Blocks can be concatenated: a Native stream is a sequence of them,
 * so the rows of many requests go into one insert as they are.
 */
export class NativeBlock<Row> {
  private count = 0;

  /** `fill` puts one row's value into each column, in `columns` order. */
  constructor(
    private readonly columns: readonly (readonly [name: string, column: Column<never>])[],
    private readonly fill: (row: Row) => void,
  ) {}

  get columnNames(): string[] {
    return this.columns.map(([name]) => name);
  }

  get rows(): number {
    return this.count;
  }

  add(row: Row): void {
    this.fill(row);
    this.count++;
  }

  /** Empties the block for the next request's rows; what `encode` returned before is a copy and stays. */
  reset(): void {
    this.count = 0;
    for (const [, column] of this.columns) column.reset();
  }

  encode(): Buffer {
    const head = new ByteWriter(64);
    head.varUInt(this.columns.length);
    head.varUInt(this.count);
    const parts = [head.bytes()];
    for (const [name, column] of this.columns) {
      const header = new ByteWriter(64);
      header.string(name);
      header.string(column.type);
      parts.push(header.bytes(), ...column.parts());
    }
    return Buffer.concat(parts);
  }
}
