/**
 * Replays the model on a database with plain node:sqlite, never through strata: the effects of
 * migrations, in order, and their `down` statements.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Effect } from "./semantics.ts";

/** Runs one effect. */
export function applyEffect(db: DatabaseSync, effect: Effect): void {
  switch (effect.kind) {
    case "sql":
      db.exec(effect.sql);
      return;
    case "block":
      for (const sql of effect.statements) db.exec(sql);
      return;
    case "chain": {
      const insert = db.prepare(effect.insert);
      for (const row of db.prepare(effect.select).all()) insert.run(effect.offset + Number(row.id));
      return;
    }
  }
}

/** Runs statements in order (a migration's `down`). */
export function applyStatements(db: DatabaseSync, statements: readonly string[]): void {
  for (const sql of statements) db.exec(sql);
}
