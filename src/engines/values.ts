/**
 * Values between JavaScript and the engines, so that every adapter binds and returns them the same
 * way: safe integers bind as INTEGER, INTEGER columns read as a number when it is exact and as a
 * bigint beyond 2^53, BLOBs read as a plain `Uint8Array`, and rows are plain objects.
 *
 * @module
 */
import type { Row, SqlParams, SqlValue } from "./engine.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An INTEGER as a number when the number is exact, else as the bigint. */
export function exactInteger(value: bigint): number | bigint {
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/**
 * A parameter as the engines should bind it. node:sqlite and libSQL bind every JS number as REAL
 * (`1` read back through `typeof()` is `real`, and an untyped column keeps `1.0`); binding a safe
 * integer as a bigint keeps it INTEGER, as @db/sqlite and better-sqlite3 do on their own.
 */
export function bindValue(value: SqlValue): SqlValue {
  return typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
}

/** Whether parameters are positional (an array) rather than one object of named ones. */
export function isPositional(params: SqlParams): params is readonly SqlValue[] {
  return Array.isArray(params);
}

/**
 * Named parameters keyed by bare name (`{ id }` for `$id`, `:id` or `@id`), as better-sqlite3 and
 * @db/sqlite look them up, with every value bound by {@link bindValue}.
 */
export function bareNamed(
  params: Readonly<Record<string, SqlValue>>,
  bind: (value: SqlValue) => unknown = bindValue,
): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) named[key.replace(/^[$:@]/, "")] = bind(value);
  return named;
}

/**
 * A result row as a plain object of {@link SqlValue}s, whatever the engine built: a null-prototype
 * object, a libSQL row with index properties, bigints for small integers, a Node `Buffer` or an
 * `ArrayBuffer` for a BLOB.
 */
export function toRow(source: object): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(source)) row[key] = readValue(value);
  return row;
}

/**
 * A result row as a plain object from its column names and values in the same order: what a binding
 * that returns rows as arrays gives, cheaper to build than {@link toRow} from objects.
 */
export function rowOf(names: readonly string[], values: readonly unknown[]): Row {
  const row: Row = {};
  for (let i = 0; i < names.length; i++) row[names[i]] = readValue(values[i]);
  return row;
}

function readValue(value: unknown): SqlValue {
  if (typeof value === "bigint") return exactInteger(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array && value.constructor !== Uint8Array) {
    return new Uint8Array(value);
  }
  return value as SqlValue;
}
