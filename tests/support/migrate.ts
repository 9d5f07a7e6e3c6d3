/**
 * Runs code as a real migration (through the manager, in its transaction and savepoint, with foreign
 * keys deferred), so tests of migration helpers see exactly what a migration sees.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Executor } from "../../src/core/executor.ts";
import { MigrationManager } from "../../src/core/manager.ts";

/** Applies one migration whose `up()` is `up`, as the next version of `db`. */
export async function migrateOnce(
  db: DatabaseSync,
  up: (db: Executor) => Promise<unknown>,
  options: { transaction?: false } = {},
): Promise<void> {
  const manager = new MigrationManager(db);
  const version = (await manager.getCurrentVersion()) + 1;
  manager.registerMigrations([{
    version,
    description: `change ${version}`,
    up: async (executor) => {
      await up(executor);
    },
    ...options,
  }]);
  await manager.migrate();
}

/** Every row a query returns, as plain objects. */
export function rows(
  db: DatabaseSync,
  sql: string,
  ...params: (string | number)[]
): Record<string, unknown>[] {
  return db.prepare(sql).all(...params).map((row) => ({ ...row }));
}
