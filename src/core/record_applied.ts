/**
 * Recording migrations as applied without running them, on a database that records none yet: the
 * core of a baseline, whose schema check lives with the schema tools.
 *
 * @module
 */
import { DatabaseStateError } from "../shared/errors.ts";
import { editHistory, type HistoryEditor } from "./history_edit.ts";
import { appliedEntry, isoNow } from "./history.ts";
import { writable } from "./planner.ts";
import { writeSettingsVersion } from "./settings_version.ts";

/**
 * Records migrations 1 to `version` as applied, and the run as `command`.
 *
 * @returns The versions recorded.
 * @throws {DatabaseStateError} when the database already records migrations.
 */
export async function recordApplied(
  editor: HistoryEditor,
  version: number,
  command: string,
): Promise<number[]> {
  return await editHistory(editor, async (tx, state) => {
    if (state.applied.size > 0) throw alreadyMigrated(state.currentVersion);
    const now = isoNow();
    const migrations = writable(state, editor.known.list.filter((m) => m.version <= version));
    await editor.history.ensureTables(tx);
    for (const m of migrations) await editor.history.record(tx, appliedEntry(m, now, null, "applied"));
    const finishedAt = isoNow();
    await editor.history.logRun(tx, {
      command,
      fromVersion: 0,
      toVersion: version,
      startedAt: now,
      finishedAt,
    });
    await writeSettingsVersion(tx, state.settings, version, finishedAt);
    return migrations.map((m) => m.version);
  });
}

/** The refusal of a baseline on a database that already has a history. */
export function alreadyMigrated(version: number): DatabaseStateError {
  return new DatabaseStateError(
    `The database already records migrations (version ${version}); a baseline is for a database made ` +
      `outside migrations. Nothing was changed.`,
    { reason: "future-version", versions: [version] },
  );
}
