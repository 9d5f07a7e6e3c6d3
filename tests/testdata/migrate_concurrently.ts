/**
 * Run by the conformance suite, twice at once: migrates one database through one engine with
 * migrations that hold the write lock a while and log which process applied them, then prints the
 * versions this process applied as JSON.
 *
 * Usage: `deno run … migrate_concurrently.ts "<engine name>" <database file or URL>`
 *
 * @module
 */
import { type Migration, MigrationManager } from "../../mod.ts";
import { openTestTarget } from "../support/engines.ts";

const [engineName, target] = Deno.args;
if (!engineName || !target) {
  throw new Error(`Usage: migrate_concurrently.ts "<engine name>" <database file or URL>`);
}

const logged = (version: number): Migration => ({
  version,
  description: `log ${version}`,
  up: async (db) => {
    if (version === 1) await db.exec("CREATE TABLE log (version INTEGER NOT NULL, pid INTEGER NOT NULL)");
    await db.run("INSERT INTO log (version, pid) VALUES (?, ?)", version, Deno.pid);
    // Hold the lock long enough for the other process to arrive and wait for it.
    await new Promise((resolve) => setTimeout(resolve, 150));
  },
});

const { db, close } = await openTestTarget(engineName, target);
try {
  const result = await new MigrationManager(db).registerMigrations([logged(1), logged(2), logged(3)])
    .migrate();
  console.log(JSON.stringify(result.steps.map((step) => step.version)));
} finally {
  close();
}
