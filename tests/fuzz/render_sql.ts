/**
 * Writes a migration of the model as a `.sql` file: its statements in order, one per line, in the
 * up section (marked `transaction:false` outside a transaction), and its down section.
 *
 * @module
 */
import type { MigrationPlan, Op } from "./plan.ts";

/** The text of a `.sql` migration. */
export function renderSql(migration: MigrationPlan): string {
  const marker = migration.transactional ? "-- migrate:up" : "-- migrate:up transaction:false";
  return [
    marker,
    ...migration.ops.flatMap(statementsOf),
    "-- migrate:down",
    ...migration.down.map((sql) => `${sql};`),
    "",
  ].join("\n");
}

function statementsOf(op: Op): string[] {
  switch (op.kind) {
    case "statement":
      return [`${op.sql};`];
    case "block":
      return [
        "BEGIN;",
        ...op.statements.map((sql) => `${sql};`),
        ...(op.failing ? [`${op.failing};`] : []),
        "COMMIT;",
      ];
    default:
      throw new Error(`a .sql migration cannot hold a ${op.kind} operation`);
  }
}
