/**
 * The seam between reading and writing: everything that writes — runs and history edits — is loaded
 * here, on the first call that needs it, and only what that call needs (a dry run's preview, a
 * backup). An application start-up with nothing pending loads none of it. Core loads its own
 * modules lazily nowhere else.
 *
 * @module
 */
import type { BackupOptions } from "./backup.ts";
import type { HistoryEditor } from "./history_edit.ts";
import type { RunContext, RunRequest, RunResult } from "./runner.ts";

/** A run as the manager asks for it: the backup as an option, not yet as the code that takes it. */
export interface WriteRequest extends Omit<RunRequest, "backup" | "preview"> {
  /** Write a copy of the database before the first migration runs (not in a dry run). */
  backup?: boolean | BackupOptions;
}

/**
 * Runs a migrate or rollback (see `runner.ts`), with the code for its dry-run preview and its backup
 * loaded when it asks for them.
 *
 * @example Apply one migration
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { NodeSqliteEngine } from "../engines/node_sqlite.ts";
 * import { HistoryStore } from "./history.ts";
 * import { run } from "./write_path.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * const result = await run({
 *   engine: new NodeSqliteEngine(db),
 *   history: new HistoryStore("strata_migrations"),
 *   known: { list: [{ version: 1, description: "t", up: (db) => db.exec("CREATE TABLE t (x)") }], gaps: [] },
 *   busyTimeoutMs: 1000,
 *   migrationTimeoutMs: 0,
 *   wording: "api",
 * }, { command: "migrate" });
 * assert.equal(result.currentVersion, 1);
 * db.close();
 * ```
 */
export async function run(ctx: RunContext, request: WriteRequest): Promise<RunResult> {
  const { backup, ...rest } = request;
  const [runner, preview, backups] = await Promise.all([
    import("./runner.ts"),
    request.dryRun ? import("./dry_run_preview.ts") : undefined,
    backup && !request.dryRun ? import("./backup.ts") : undefined,
  ]);
  const dir = typeof backup === "object" ? backup : {};
  return await runner.run(ctx, {
    ...rest,
    ...(preview ? { preview: preview.previewStep } : {}),
    ...(backups ? { backup: (version: number) => backups.backupDatabase(ctx.engine, version, dir) } : {}),
  });
}

/** Records the checksum and name of edited applied migrations; see `accept.ts`. */
export async function acceptEdits(editor: HistoryEditor, versions?: readonly number[]): Promise<number[]> {
  return await (await import("./accept.ts")).acceptEdits(editor, versions);
}

/** Records the outcome of a migration left started; see `mark.ts`. */
export async function markOutcome(
  editor: HistoryEditor,
  version: number,
  outcome: "applied" | "pending",
): Promise<void> {
  await (await import("./mark.ts")).markOutcome(editor, version, outcome);
}

/** Records migrations as applied without running them; see `record_applied.ts`. */
export async function recordApplied(
  editor: HistoryEditor,
  version: number,
  command: string,
): Promise<number[]> {
  return await (await import("./record_applied.ts")).recordApplied(editor, version, command);
}
