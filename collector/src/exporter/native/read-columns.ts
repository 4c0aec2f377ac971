/**
 * Reads chosen String and DateTime64 columns back out of Native blocks this collector wrote, skipping
 * the others; replay uses it to ask ClickHouse which of a logged batch's rows it already holds.
 */
export function readColumns(body: Buffer, wanted: readonly string[]): Record<string, (string | bigint)[]> {
  const out: Record<string, (string | bigint)[]> = Object.fromEntries(wanted.map((name) => [name, []]));
  const reader = new Reader(body);
  while (!reader.done) {
    const columns = reader.varUInt();
    const rows = reader.varUInt();
    for (let c = 0; c < columns; c++) {
      const name = reader.string();
      const type = reader.string();
      const values = out[name];
      if (values && type === 'String') for (let r = 0; r < rows; r++) values.push(reader.string());
      else if (values && type.startsWith('DateTime64')) for (let r = 0; r < rows; r++) values.push(reader.int64());
      else reader.skip(type, rows);
    }
  }
  return out;
}

/** The names and types of the columns of the first block in `body`, as a ClickHouse structure string. */
export function nativeStructure(body: Buffer): string {
  const reader = new Reader(body);
  const columns = reader.varUInt();
  const rows = reader.varUInt();
  const described: string[] = [];
  for (let c = 0; c < columns; c++) {
    const name = reader.string();
    const type = reader.string();
    described.push(`\`${name}\` ${type}`);
    reader.skip(type, rows);
  }
  return described.join(', ');
}

const fixedWidth: Record<string, number> = { UInt8: 1, UInt16: 2, UInt64: 8, Int64: 8 };

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  varUInt(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  }

  string(): string {
    const length = this.varUInt();
    const value = this.buf.toString('utf8', this.at, this.at + length);
    this.advance(length);
    return value;
  }

  int64(): bigint {
    const value = this.buf.readBigInt64LE(this.at);
    this.advance(8);
    return value;
  }

  /** Skips `rows` values of `type`; the types are those the encoder writes. */
  skip(type: string, rows: number): void {
    if (type === 'String') for (let r = 0; r < rows; r++) this.advance(this.varUInt());
    else if (fixedWidth[type] !== undefined) this.advance(fixedWidth[type] * rows);
    else if (type.startsWith('DateTime64')) this.advance(8 * rows);
    else if (type.startsWith('Array(')) this.skip(type.slice(6, -1), this.lastOffset(rows));
    else if (type.startsWith('Map(')) {
      const entries = this.lastOffset(rows);
      const [key, value] = type.slice(4, -1).split(', ') as [string, string];
      this.skip(key, entries);
      this.skip(value, entries);
    } else throw new Error(`a Native column of type ${type} is not one this collector writes`);
  }

  /** Skips `rows` cumulative UInt64 offsets and returns the last: how many nested values follow. */
  private lastOffset(rows: number): number {
    this.advance(8 * rows);
    return rows === 0 ? 0 : Number(this.buf.readBigUInt64LE(this.at - 8));
  }

  private byte(): number {
    if (this.at >= this.buf.length) throw new Error('a Native block ends early');
    return this.buf[this.at++]!;
  }

  private advance(bytes: number): void {
    if (this.at + bytes > this.buf.length) throw new Error('a Native block ends early');
    this.at += bytes;
  }
}
