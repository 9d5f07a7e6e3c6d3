/**
 * `accept`: records the current checksum and file name of applied migrations that were edited or
 * renamed on purpose (a comment, formatting), so that runs take them again.
 *
 * @module
 */
import { editHistory, type HistoryEditor } from "./history_edit.ts";
import { nameOf } from "./migration.ts";
import { writable } from "./planner.ts";

/**
 * Records the current checksum and name of the applied migrations that differ from their record.
 *
 * @param versions Only these versions. @default every applied migration that differs
 * @returns The versions whose record changed.
 */
export async function acceptEdits(editor: HistoryEditor, versions?: readonly number[]): Promise<number[]> {
  return await editHistory(editor, async (tx, state) => {
    const changed = editor.known.list.filter((m) => {
      const entry = state.applied.get(m.version);
      if (!entry || entry.state !== "applied" || (versions && !versions.includes(m.version))) return false;
      return (m.checksum !== undefined && entry.checksum !== m.checksum) || entry.name !== nameOf(m);
    });
    writable(state, changed);
    for (const m of changed) {
      const entry = state.applied.get(m.version)!;
      await editor.history.record(tx, { ...entry, checksum: m.checksum ?? null, name: nameOf(m) });
    }
    return changed.map((m) => m.version);
  });
}
