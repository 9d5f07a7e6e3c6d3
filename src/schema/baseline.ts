/**
 * Baselines: adopting a database whose schema was made outside migrations, by recording migrations
 * 1 to N as applied without running them — only once a drift check shows that its schema is what
 * those migrations produce.
 *
 * @module
 */
import { listForMessage } from "../shared/format.ts";
import type { DatabaseInput } from "../engines/detect.ts";
import { DatabaseStateError, InvalidInputError } from "../shared/errors.ts";
import { MigrationManager } from "../core/manager.ts";
import type { MigrationInput } from "../core/migration.ts";
import { alreadyMigrated } from "../core/record_applied.ts";
import { wordsOf } from "../core/wording.ts";
import { checkDrift } from "./drift.ts";

/** Options of {@link baseline}. */
export interface BaselineOptions {
  /** Record the migrations even when the schema differs. @default {false} */
  force?: boolean;
  /** The history table. @default {"strata_migrations"} */
  historyTable?: string;
  /** Whose words the refusal uses: the API's options or the CLI's flags. @default {"api"} */
  wording?: "api" | "cli";
}

/** What {@link baseline} did. */
export interface BaselineResult {
  /** Versions recorded as applied. */
  recorded: number[];
  /** Schema differences that were accepted with `force` (empty otherwise). */
  differences: string[];
}

/**
 * Adopts a database made outside migrations: records migrations 1 to `version` as applied without
 * running them, after a drift check shows its schema is what they produce (replayed on an in-memory
 * database), unless `force`.
 *
 * @returns The versions recorded, and the schema differences found (empty unless forced).
 * @throws {DatabaseStateError} with reason `"drift"` when the schemas differ (each difference in the
 *   message), or when the database already has a migration history.
 * @throws {InvalidInputError} for a version no known migration has.
 *
 * @example Adopt a database whose table was created by hand
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import type { Migration } from "../../mod.ts";
 * import { baseline } from "./baseline.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)");
 * const migrations: Migration[] = [
 *   { version: 1, description: "users", up: (x) => x.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)") },
 * ];
 * assert.deepEqual((await baseline(db, migrations, 1)).recorded, [1]);
 * db.close();
 * ```
 */
export async function baseline(
  db: DatabaseInput,
  migrations: readonly MigrationInput[],
  version: number,
  options: BaselineOptions = {},
): Promise<BaselineResult> {
  const manager = new MigrationManager(db, { historyTable: options.historyTable }).registerMigrations(
    migrations,
  );
  const known = manager.migrations;
  if (!known.some((m) => m.version === version)) {
    throw new InvalidInputError(
      `Cannot baseline at version ${version}: no known migration has it (known: ${
        known[0]?.version ?? "none"
      } ` +
        `to ${known.at(-1)?.version ?? "none"}).`,
      "version",
    );
  }
  const current = await manager.getCurrentVersion();
  if (current > 0) throw alreadyMigrated(current);
  const report = await checkDrift(db, known, { version, historyTable: options.historyTable });
  if (report.differences.length > 0 && !options.force) {
    throw new DatabaseStateError(
      `The database's schema is not what migrations 1 to ${version} produce, so recording them as applied ` +
        `would be wrong: ${listForMessage(report.differences.map((d) => d.message), 5)}. Fix the schema, ` +
        `choose another version, or record it anyway with \`${
          wordsOf(options.wording).force
        }\`. Nothing was ` +
        `changed.`,
      { reason: "drift", versions: [version] },
    );
  }
  const recorded = await manager.recordApplied(version, "baseline");
  return { recorded, differences: report.differences.map((d) => d.message) };
}
