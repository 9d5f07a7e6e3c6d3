/**
 * `mark`: records the outcome of a migration that ran outside a transaction and never finished (its
 * run was killed, or it failed part way), once someone has looked at the database.
 *
 * @module
 */
import { InvalidInputError } from "../shared/errors.ts";
import { editHistory, type HistoryEditor } from "./history_edit.ts";
import { isoNow } from "./history.ts";
import { writable } from "./planner.ts";
import { writeSettingsVersion } from "./settings_version.ts";

/**
 * Records a started or failed migration as `"applied"` (its change is in the database) or
 * `"pending"` (it is not: the next run runs it again).
 *
 * @throws {InvalidInputError} when that migration is not recorded as started or failed.
 */
export async function markOutcome(
  editor: HistoryEditor,
  version: number,
  outcome: "applied" | "pending",
): Promise<void> {
  await editHistory(editor, async (tx, state) => {
    const entry = state.applied.get(version);
    if (!entry || entry.state === "applied") {
      throw new InvalidInputError(
        `Migration ${version} is not marked as started${
          entry ? " (it is applied)" : ""
        }; there is nothing to resolve.`,
        "version",
      );
    }
    writable(state, [entry]);
    if (outcome === "applied") await editor.history.record(tx, { ...entry, state: "applied" });
    else await editor.history.remove(tx, version);
    // The run that left it committed the history, but not the settings version, which follows now.
    const current = outcome === "applied" ? Math.max(state.currentVersion, version) : state.currentVersion;
    await writeSettingsVersion(tx, state.settings, current, isoNow());
  });
}
