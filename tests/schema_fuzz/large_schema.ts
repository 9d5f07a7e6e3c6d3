/**
 * How long generation takes on a large schema:
 * `deno run tests/schema_fuzz/large_schema.ts [TABLES] [CHANGED]` builds a schema of TABLES tables
 * (200 by default) chained by foreign keys, with an index each and a view and a trigger on every
 * tenth, changes CHANGED of them (5 by default; in turn a new column, NOT NULL and a type change that
 * rebuild a referenced table, a renamed column, a dropped column), and prints the time
 * `generateMigration` takes, proof included, as the median of five runs.
 *
 * @module
 */
import { generateMigration } from "../../src/schema/write_migration.ts";

const tables = Number(Deno.args[0] ?? 200);
const changedTables = Number(Deno.args[1] ?? 5);
/** The tables changed, spread over the schema: each kind of change in turn. */
const changes = new Map(
  Array.from({ length: changedTables }, (_, n) => [Math.floor((n + 0.5) * tables / changedTables), n % 5]),
);
const name = (i: number) => `t${String(i).padStart(3, "0")}`;

function schema(changed: boolean): string {
  const statements: string[] = [];
  for (let i = 0; i < tables; i++) {
    const t = name(i);
    const parent = i === 0 ? "" : `, parent_id INTEGER REFERENCES ${name(i - 1)} (id) ON DELETE CASCADE`;
    const change = changed ? changes.get(i) ?? -1 : -1;
    const label = change === 1
      ? "label TEXT NOT NULL DEFAULT ''"
      : change === 3
      ? "title TEXT"
      : "label TEXT";
    const value = change === 2 ? "value INTEGER" : "value REAL";
    const extra = change === 0 ? ", note TEXT" : "";
    const legacy = change === 4 ? "" : ", legacy TEXT";
    statements.push(
      `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, ${label}, ${value}${legacy}, created TEXT DEFAULT CURRENT_TIMESTAMP${parent}${extra});`,
      `CREATE INDEX ${t}_value ON ${t} (value);`,
    );
    if (i % 10 === 0 || changes.has(i)) {
      const column = change === 3 ? "title" : "label";
      statements.push(
        `CREATE VIEW ${t}_view AS SELECT id, ${column} FROM ${t};`,
        `CREATE TRIGGER ${t}_touch AFTER UPDATE ON ${t} BEGIN UPDATE ${t} SET created = CURRENT_TIMESTAMP WHERE id = NEW.id; END;`,
      );
    }
  }
  return statements.join("\n");
}

const before = schema(false);
const after = schema(true);
const rename = Object.fromEntries(
  [...changes].filter(([, change]) => change === 3).map(([i]) => [`${name(i)}.label`, "title"]),
);
const migrations = [{
  version: 1,
  description: "start",
  up: (db: { exec(sql: string): Promise<void> }) => db.exec(before),
}];
const times: number[] = [];
let summary = "";
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  const generated = await generateMigration(migrations, after, { rename });
  times.push(performance.now() - started);
  summary = `${generated.differences.length} differences, ${generated.up.length} data changes in up, ` +
    `${generated.text!.split("\n").length} lines`;
}
times.sort((a, b) => a - b);
console.log(
  `${tables} tables, ${changedTables} changed (${summary}): generation with its proof took ${
    times[2].toFixed(0)
  } ms ` +
    `(median of 5; ${times[0].toFixed(0)} to ${times[4].toFixed(0)} ms).`,
);
