/**
 * Rowids through a table rebuild: whether copying a table's rows into a new one can keep the rowids
 * they have, which external-content full-text indexes and applications that read `rowid` point at.
 *
 * @module
 */
import type { QueryFunction } from "./schema_model.ts";

/**
 * Whether a rebuild copies rowids as they are: when both tables have them and the new one has no
 * INTEGER PRIMARY KEY (whose column already carries the rowid). Rowids are what external-content
 * full-text indexes and applications that read `rowid` point at.
 *
 * @param tables The table being rebuilt and the new table that replaces it, both in the database.
 * @param fillable The columns of the new table that take values (not generated).
 */
export async function keepsRowids(
  query: QueryFunction,
  [table, temp]: readonly [string, string],
  fillable: readonly string[],
): Promise<boolean> {
  const listed = await query(
    "SELECT name, wr FROM pragma_table_list WHERE name IN (?, ?) AND schema = 'main'",
    [table, temp],
  );
  if (listed.some((entry) => Number(entry.wr) === 1)) return false;
  if (fillable.some((column) => ["rowid", "oid", "_rowid_"].includes(column.toLowerCase()))) return false;
  const keyColumns = await query("SELECT count(*) AS n FROM pragma_table_xinfo(?) WHERE pk > 0", [temp]);
  const keyIndexes = await query("SELECT count(*) AS n FROM pragma_index_list(?) WHERE origin = 'pk'", [
    temp,
  ]);
  const integerPrimaryKey = Number(keyColumns[0].n) === 1 && Number(keyIndexes[0].n) === 0;
  return !integerPrimaryKey;
}
