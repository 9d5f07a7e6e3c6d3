/**
 * Lower bound of applying migrations (W1, W3): a plain script with node:sqlite that reads every
 * `.sql` file of a directory in name order and runs its `-- migrate:up` section, all in one
 * transaction. No history, no checks: only the work SQLite must do for the same SQL.
 *
 * Usage: `deno run <migrate task flags> bench/bounds/apply_sql.ts DATABASE DIR`
 *
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const [database, dir] = Deno.args;
const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) => name.endsWith(".sql"))
  .sort();
const db = new DatabaseSync(database);
db.exec("BEGIN");
for (const name of names) {
  const text = Deno.readTextFileSync(join(dir, name));
  const start = text.indexOf("\n", text.indexOf("-- migrate:up")) + 1;
  const end = text.indexOf("-- migrate:down");
  db.exec(text.slice(start, end === -1 ? undefined : end));
}
db.exec("COMMIT");
db.close();
