import type { Attributes } from '../../model/span.ts';
import { ByteWriter } from './byte-writer.ts';

/**
 * One column of a Native block, filled row by row. Each column is written in the plain type that
 * carries its values (String, not LowCardinality(String)); ClickHouse converts to the table's type on
 * insert, so the encoder never needs a dictionary.
 */
export interface Column<T> {
  readonly type: string;
  add(value: T): void;
  /** The column's bytes, in the order the Native format lays them out. */
  parts(): Buffer[];
  /** Empties the column for the next block, keeping its buffers. */
  reset(): void;
}

export class StringColumn implements Column<string> {
  readonly type = 'String';
  private readonly out = new ByteWriter();
  add(value: string): void {
    this.out.string(value);
  }
  parts(): Buffer[] {
    return [this.out.bytes()];
  }
  reset(): void {
    this.out.reset();
  }
}

export class UInt8Column implements Column<number> {
  readonly type = 'UInt8';
  private readonly out = new ByteWriter();
  add(value: number): void {
    this.out.uint8(value);
  }
  parts(): Buffer[] {
    return [this.out.bytes()];
  }
  reset(): void {
    this.out.reset();
  }
}

export class UInt16Column implements Column<number> {
  readonly type = 'UInt16';
  private readonly out = new ByteWriter();
  add(value: number): void {
    this.out.uint16(value);
  }
  parts(): Buffer[] {
    return [this.out.bytes()];
  }
  reset(): void {
    this.out.reset();
  }
}

export class UInt64Column implements Column<bigint> {
  readonly type = 'UInt64';
  private readonly out = new ByteWriter();
  add(value: bigint): void {
    this.out.uint64Big(value);
  }
  parts(): Buffer[] {
    return [this.out.bytes()];
  }
  reset(): void {
    this.out.reset();
  }
}

/** Nanoseconds since the epoch. */
export class DateTime64Column implements Column<bigint> {
  readonly type = 'DateTime64(9)';
  private readonly out = new ByteWriter();
  add(value: bigint): void {
    this.out.int64(value);
  }
  parts(): Buffer[] {
    return [this.out.bytes()];
  }
  reset(): void {
    this.out.reset();
  }
}

/**
 * Map(String, String): cumulative entry counts, then every key, then every value. With `repeats`, the
 * same object added again in a row (every span of a resource shares its resource's attributes) is
 * copied from the bytes written the first time instead of being encoded again. The keys of a map are
 * copied the same way when they are the previous map's keys in the same order, as they are from span to
 * span of one proxy or SDK.
 */
export class MapColumn implements Column<Attributes> {
  readonly type = 'Map(String, String)';
  private readonly offsets = new ByteWriter();
  private readonly keys = new ByteWriter();
  private readonly values = new ByteWriter();
  private entries = 0;
  private last: { value: Attributes; count: number; keys: Buffer; values: Buffer } | undefined;
  private lastNames: readonly string[] = [];
  private lastNameBytes: Buffer | undefined;
  constructor(private readonly repeats = false) {}
  /** `keys` are `value`'s own keys, when the caller has listed them already. */
  add(value: Attributes, keys?: readonly string[]): void {
    const last = this.last;
    if (last !== undefined && last.value === value) {
      this.keys.append(last.keys);
      this.values.append(last.values);
      this.entries += last.count;
      this.offsets.uint64(this.entries);
      return;
    }
    const keysAt = this.keys.position;
    const valuesAt = this.values.position;
    const names = keys ?? Object.keys(value);
    if (this.lastNameBytes !== undefined && sameStrings(names, this.lastNames)) this.keys.append(this.lastNameBytes);
    else {
      for (let i = 0; i < names.length; i++) this.keys.string(names[i]!);
      this.lastNames = names;
      this.lastNameBytes = Buffer.from(this.keys.bytes().subarray(keysAt));
    }
    for (let i = 0; i < names.length; i++) this.values.string(value[names[i]!]!);
    this.entries += names.length;
    this.offsets.uint64(this.entries);
    if (this.repeats) {
      // The map's keys are the last key list's bytes, copied already.
      this.last = { value, count: names.length, keys: this.lastNameBytes!, values: Buffer.from(this.values.bytes().subarray(valuesAt)) };
    }
  }
  parts(): Buffer[] {
    return [this.offsets.bytes(), this.keys.bytes(), this.values.bytes()];
  }
  reset(): void {
    this.offsets.reset();
    this.keys.reset();
    this.values.reset();
    this.entries = 0;
    this.last = undefined;
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Array(T): cumulative element counts, then the elements as one column of T. */
export class ArrayColumn<T> implements Column<readonly T[]> {
  readonly type: string;
  private readonly offsets = new ByteWriter();
  private elements = 0;
  constructor(private readonly inner: Column<T>) {
    this.type = `Array(${inner.type})`;
  }
  add(value: readonly T[]): void {
    for (const element of value) this.inner.add(element);
    this.elements += value.length;
    this.offsets.uint64(this.elements);
  }
  parts(): Buffer[] {
    return [this.offsets.bytes(), ...this.inner.parts()];
  }
  reset(): void {
    this.offsets.reset();
    this.inner.reset();
    this.elements = 0;
  }
}
