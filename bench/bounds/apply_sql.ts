/**
 * Lower bound of applying migrations (W1, W3): a plain script with node:sqlite that reads every
 * `.sql` file of a directory in name order and runs its `-- migrate:up` section, all in one
 * transaction. No history, no checks: only the work SQLite must do for the same SQL.
 *
 * Usage: `deno run <migrate task flags> bench/bounds/apply_sql.ts DATABASE DIR`
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { upSections } from "./up_sections.ts";

const [database, dir] = Deno.args;
const db = new DatabaseSync(database);
db.exec("BEGIN");
for (const up of upSections(dir)) db.exec(up);
db.exec("COMMIT");
db.close();
