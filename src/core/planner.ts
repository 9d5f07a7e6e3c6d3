/**
 * The planner: from the known migrations and what a database recorded, decide what it is at and
 * which migrations a command would run. Pure functions, no I/O: every refusal happens here, before a
 * single write.
 *
 * @module
 */
import { label, listForMessage } from "../shared/format.ts";
import { DatabaseStateError, type DatabaseStateReason, InvalidInputError } from "../shared/errors.ts";
import type { AppliedMigration } from "./history.ts";
import type { DatabaseState } from "./database_state.ts";
import { isValidVersion, type Migration, nameOf } from "./migration.ts";
import { settingsConflict } from "./settings_version.ts";
import { type Wording, wordsOf } from "./wording.ts";

/** One migration in a {@link MigrationStatus}. */
export interface MigrationStatusEntry {
  /** Version of the migration. */
  version: number;
  /** Its description (as recorded, when it is applied but no longer known). */
  description: string;
  /**
   * `"applied"`, `"pending"`; for a migration outside a transaction, `"started"` when it began but
   * has not finished (still running elsewhere, or its run was killed) and `"failed"` when it threw
   * part way.
   */
  state: "applied" | "pending" | "started" | "failed";
  /**
   * Why this migration stops `migrate`, or null: `"edited"` or `"renamed"` since it was applied,
   * `"missing"` (applied, but no known migration has it: its file was deleted, or newer code
   * migrated the database), `"started"` or `"failed"` (outside a transaction, never finished),
   * `"out-of-order"` (pending, but older than the database's version).
   */
  problem: "edited" | "renamed" | "missing" | "started" | "failed" | "out-of-order" | null;
  /** When it was applied (ISO-8601), or null. */
  appliedAt: string | null;
  /** How long applying it took, in milliseconds, or null when unknown or pending. */
  durationMs: number | null;
  /** The file it comes from, or null for a migration defined in code or no longer known. */
  file: string | null;
  /** False for a version the database applied that no known migration has (a database from the future). */
  known: boolean;
}

/** Something that stops `migrate`, as {@link MigrationStatus.problems} lists it. */
export interface StatusProblem {
  /** The reason of the {@link DatabaseStateError} `migrate` throws for it. */
  reason: DatabaseStateReason;
  /** The versions concerned. */
  versions: readonly number[];
  /** Its message: what is wrong and what to do. */
  message: string;
}

/** Where a database stands against the known migrations. */
export interface MigrationStatus {
  /** Highest applied version, 0 for a new database. */
  currentVersion: number;
  /** Highest known version, 0 when no migrations are known. */
  latestVersion: number;
  /** Known migrations not applied yet. */
  pendingCount: number;
  /** When the last migrate or rollback that changed something finished (ISO-8601), or null. */
  lastRun: string | null;
  /**
   * True when `migrate` has nothing to do and nothing stops it (what a deploy gate asks): no
   * migration pending, no problem.
   */
  ok: boolean;
  /** Everything that stops `migrate`, one entry per kind, the one it throws first. Empty when none. */
  problems: StatusProblem[];
  /** One entry per known migration, plus any applied version no known migration has. */
  migrations: MigrationStatusEntry[];
}

/**
 * Everything that stops the known migrations from safely moving a database, one error per kind:
 * versions newer than every known migration, applied migrations whose file was deleted, a migration
 * outside a transaction that never finished, known migrations below the current version that were
 * never applied, applied migrations whose file was renamed or whose source changed, and a seed-era
 * `settings` version that disagrees with the history. Empty when the database can be migrated.
 */
export function stateProblems(state: DatabaseState, known: readonly Migration[]): DatabaseStateError[] {
  const problems: DatabaseStateError[] = [];
  const latest = known.at(-1)?.version ?? 0;
  const first = known[0]?.version ?? 1;
  const entries = [...state.applied.values()];
  const future = entries.filter((entry) => entry.version > latest);
  if (future.length > 0) {
    const names = listForMessage(future.map((entry) => `${entry.version} (${entry.name})`));
    problems.push(
      new DatabaseStateError(
        `The database is at version ${state.currentVersion}, but the newest known migration is ${latest}. ` +
          `It has applied ${names}, which no known migration provides: it was migrated by newer code, ` +
          `or those files were deleted or renamed. Restore the files or run the newer code; nothing was changed.`,
        { reason: "future-version", versions: future.map((entry) => entry.version) },
      ),
    );
  }
  // Between the first and the newest known migration a version no migration has was applied: its
  // file was deleted after it ran (below the first, files are archived by a squash). Known versions
  // without a hole leave no room for one.
  const contiguous = latest - first + 1 === known.length;
  const knownVersions = contiguous ? null : new Set(known.map((m) => m.version));
  const deleted = knownVersions === null
    ? []
    : entries.filter((entry) =>
      entry.version > first && entry.version < latest && !knownVersions.has(entry.version)
    );
  if (deleted.length > 0) {
    const one = deleted.length === 1;
    problems.push(
      new DatabaseStateError(
        `Applied migration${one ? "" : "s"} ${
          listForMessage(deleted.map((entry) => `${entry.version} (${entry.name})`))
        } ${one ? "is" : "are"} missing from the migrations directory: ${
          one ? "its file was" : "their files were"
        } ` +
          `deleted or moved after ${one ? "it" : "they"} ran. Restore ${one ? "it" : "them"} (from version ` +
          `control); nothing was changed.`,
        { reason: "missing-file", versions: deleted.map((entry) => entry.version) },
      ),
    );
  }
  const gap = missingBelow(state, known);
  if (gap) problems.push(gap);
  const started = entries.filter((entry) => entry.state !== "applied");
  if (started.length > 0) {
    const names = listForMessage(started.map((entry) => `${entry.version} (${entry.name})`));
    const what = started[0].state === "failed"
      ? "failed part way"
      : "never finished: another run is still applying it, or was killed part way";
    problems.push(
      new DatabaseStateError(
        `Migration ${names} runs outside a transaction; it was started at ${started[0].appliedAt} and ` +
          `${what}. If no other run is active, check what of it is in the database, then record the ` +
          `outcome with \`migrate mark ${started[0].version} --applied\` or ` +
          `\`migrate mark ${started[0].version} --pending\` (the next run then repeats it).`,
        { reason: "interrupted", versions: started.map((entry) => entry.version) },
      ),
    );
  }
  const skipped = known.filter((m) =>
    m.version >= first && m.version < state.currentVersion && !state.applied.has(m.version)
  );
  if (skipped.length > 0) {
    problems.push(
      new DatabaseStateError(
        `${skipped.length === 1 ? "Migration" : "Migrations"} ${listForMessage(skipped.map(describe))} ` +
          `${skipped.length === 1 ? "is" : "are"} older than the database's version ` +
          `${state.currentVersion} but were never applied (added out of order, e.g. after a merge). ` +
          `Renumber them above ${latest}, or roll back to ${skipped[0].version - 1} first.`,
        { reason: "out-of-order", versions: skipped.map((m) => m.version) },
      ),
    );
  }
  const renamed = known.filter((m) => {
    const entry = ownRecord(state, m);
    return entry && m.file && isFileName(entry.name) && entry.name !== nameOf(m);
  });
  if (renamed.length > 0) {
    const names = listForMessage(
      renamed.map((m) => `${state.applied.get(m.version)!.name} is now ${nameOf(m)}`),
    );
    problems.push(
      new DatabaseStateError(
        `Applied migrations were renamed since they ran: ${names}. Rename them back, or if the new ` +
          `names are intended, record them with \`migrate accept\`.`,
        { reason: "renamed", versions: renamed.map((m) => m.version) },
      ),
    );
  }
  const changed = known.filter((m) => {
    const entry = ownRecord(state, m);
    return entry?.checksum && m.checksum && sameAlgorithm(entry.checksum, m.checksum) &&
      entry.checksum !== m.checksum;
  });
  if (changed.length > 0) {
    problems.push(
      new DatabaseStateError(
        `Applied migrations were edited since they ran: ${listForMessage(changed.map(describe))}. ` +
          `Undo the edits, or if they change nothing that matters (comments, formatting), record the new ` +
          `checksums with \`migrate accept\`.`,
        { reason: "checksum-mismatch", versions: changed.map((m) => m.version) },
      ),
    );
  }
  const conflict = settingsConflict(state.settings, state.currentVersion, started.length > 0);
  if (conflict) problems.push(conflict);
  return problems;
}

/** A baseline stands in for the migration its version had: only a record it wrote itself is its own. */
function ownRecord(state: DatabaseState, m: Migration): AppliedMigration | undefined {
  const entry = state.applied.get(m.version);
  return entry && (!m.baseline || entry.name === nameOf(m)) ? entry : undefined;
}

/**
 * Applied migrations whose record cannot be compared with their file: no checksum was recorded, or
 * one of an unknown kind. `migrate` runs with them; `validate` reports them, since it cannot vouch
 * for them.
 */
export function unverifiedRecords(state: DatabaseState, known: readonly Migration[]): DatabaseStateError[] {
  const unverified = known.filter((m) => {
    const entry = ownRecord(state, m);
    return entry?.state === "applied" && m.checksum &&
      (entry.checksum === null || !sameAlgorithm(entry.checksum, m.checksum));
  });
  if (unverified.length === 0) return [];
  const one = unverified.length === 1;
  const recorded = listForMessage(unverified.map((m) => {
    const checksum = state.applied.get(m.version)!.checksum;
    return `${describe(m)}: ${checksum === null ? "no checksum" : `"${checksum}"`}`;
  }));
  return [
    new DatabaseStateError(
      `Applied migration${one ? "" : "s"} cannot be checked against ${one ? "its file" : "their files"}, ` +
        `since the history records no checksum strata knows for ${one ? "it" : "them"} (${recorded}). ` +
        `If the files are what ran, record their checksums with \`migrate accept\`.`,
      { reason: "unverified-checksum", versions: unverified.map((m) => m.version) },
    ),
  ];
}

/**
 * The refusal of a run that would write to a history table with columns strata cannot fill (an
 * extra `NOT NULL` column added by hand), or null: every record it wrote would fail, and the error
 * would name a migration that did nothing wrong.
 */
export function historyWriteProblem(state: DatabaseState): DatabaseStateError | null {
  if (state.unwritable.length === 0) return null;
  const one = state.unwritable.length === 1;
  return new DatabaseStateError(
    `The history table has ${one ? "a column" : "columns"} strata does not fill that must be given a ` +
      `value (NOT NULL without a default): ${listForMessage(state.unwritable)}, so no migration could be ` +
      `recorded. ${one ? "It was" : "They were"} added by hand or by another tool: give ${
        one ? "it" : "them"
      } a default or drop ${one ? "it" : "them"}, or give strata a table of its own (--table, ` +
      `historyTable). Nothing was changed.`,
    { reason: "corrupt-history" },
  );
}

/**
 * Returns `planned` when there is nothing to write or the history tables can take a record.
 *
 * @throws {DatabaseStateError} naming the columns of a history table strata cannot fill.
 */
export function writable<T>(state: DatabaseState, planned: T[]): T[] {
  const problem = planned.length > 0 ? historyWriteProblem(state) : null;
  if (problem) throw problem;
  return planned;
}

/**
 * Refuses a rollback through a migration without `down()`, before anything changes.
 *
 * @param input The option or flag that chose the migrations, for the error.
 * @throws {InvalidInputError} naming the migrations without `down()`.
 */
export function assertReversible(plan: readonly Migration[], input: string): void {
  const irreversible = plan.filter((m) => typeof m.down !== "function");
  if (irreversible.length === 0) return;
  const one = irreversible.length === 1;
  throw new InvalidInputError(
    `Cannot roll back: migration${one ? "" : "s"} ${
      listForMessage(irreversible.map((m) => `${m.version} ("${m.description}")`))
    } ha${one ? "s" : "ve"} no down(). Nothing was changed. ` +
      `Roll back fewer steps, or add a down() that undoes ${one ? "it" : "them"}.`,
    input,
  );
}

/**
 * What stops `migrate` on this database, in the order it finds them: every problem of
 * {@link stateProblems}, then, when it has something to apply, a history table it cannot write to.
 */
function migrateProblems(state: DatabaseState, known: readonly Migration[]): DatabaseStateError[] {
  const problems = stateProblems(state, known);
  const unwritable = historyWriteProblem(state);
  return unwritable && planMigrate(state, known).length > 0 ? [...problems, unwritable] : problems;
}

/**
 * A database whose version is below the first known migration (older files were archived by a
 * squash, or deleted): the migrations it still needs are not there, or the first known one is a
 * baseline that would recreate what the database already has.
 */
function missingBelow(state: DatabaseState, known: readonly Migration[]): DatabaseStateError | null {
  const first = known[0];
  if (!first || state.currentVersion >= first.version) return null;
  const fresh = state.currentVersion === 0;
  if (first.baseline ? fresh : state.currentVersion === first.version - 1) return null;
  const needed = fresh
    ? `1 to ${first.version - 1}`
    : `${state.currentVersion + 1} to ${first.version - (first.baseline ? 0 : 1)}`;
  const detail = first.baseline
    ? `${
      describe(first)
    } is a baseline of migrations 1 to ${first.version}, which only a new database may run`
    : `the first known migration is ${describe(first)}`;
  return new DatabaseStateError(
    `The database is at version ${state.currentVersion}, and ${detail}: it needs migrations ${needed}, ` +
      `which are not in the migrations directory. Apply them from the archive folder (or the code that ` +
      `has them) first; nothing was changed.`,
    { reason: "missing-migrations", versions: [state.currentVersion, first.version] },
  );
}

/**
 * Refuses a database the known migrations cannot safely move (see {@link stateProblems}).
 *
 * @throws {DatabaseStateError} the first problem found, naming the versions and files at fault.
 */
export function checkState(state: DatabaseState, known: readonly Migration[]): void {
  const [problem] = stateProblems(state, known);
  if (problem) throw problem;
}

/** Whether two checksums were made the same way (`crc32:…`); others cannot be compared. */
function sameAlgorithm(a: string, b: string): boolean {
  return a.slice(0, a.indexOf(":") + 1) === b.slice(0, b.indexOf(":") + 1);
}

function isFileName(name: string): boolean {
  return /\.(ts|sql)$/.test(name);
}

function describe(m: Migration): string {
  return m.file ? `${m.version} (${nameOf(m)})` : label(m);
}

/**
 * The migrations `migrate` applies, in order: every pending one up to `targetVersion` (default: the
 * newest known).
 *
 * @throws {InvalidInputError} for a target that is not a version, above the newest known, or below the current.
 */
export function planMigrate(
  state: DatabaseState,
  known: readonly Migration[],
  options: { targetVersion?: number; wording?: Wording } = {},
): Migration[] {
  const words = wordsOf(options.wording);
  const latest = known.at(-1)?.version ?? 0;
  const target = options.targetVersion ?? latest;
  if (options.targetVersion !== undefined) {
    if (!isValidVersion(target) && target !== 0) {
      throw new InvalidInputError(
        `targetVersion must be a whole number of 0 or more; got ${String(options.targetVersion)}.`,
        "targetVersion",
      );
    }
    if (target > latest) {
      throw new InvalidInputError(
        `Cannot migrate to version ${target}: the newest known migration is ${latest}. ` +
          `Create the migration first, or leave out ${words.target} to apply everything.`,
        "targetVersion",
      );
    }
    if (target < state.currentVersion) {
      throw new InvalidInputError(
        `Cannot migrate to version ${target}: the database is already at ${state.currentVersion}. ` +
          `To go back, use \`${words.rollbackTo(target)}\`.`,
        "targetVersion",
      );
    }
  }
  return known.filter((m) => m.version <= target && !state.applied.has(m.version));
}

/**
 * The migrations `rollback` reverts, newest first: the last `steps` (default 1), or all above `targetVersion`.
 *
 * @throws {InvalidInputError} for steps or a target that are not valid for this database.
 */
export function planRollback(
  state: DatabaseState,
  known: readonly Migration[],
  options: { steps?: number; targetVersion?: number; wording?: Wording } = {},
): Migration[] {
  const appliedKnown = known.filter((m) => state.applied.has(m.version)).reverse();
  if (options.steps !== undefined && options.targetVersion !== undefined) {
    throw new InvalidInputError("Give either steps or targetVersion to rollback, not both.", "steps");
  }
  if (options.targetVersion !== undefined) {
    const target = options.targetVersion;
    if (!Number.isSafeInteger(target) || target < 0) {
      throw new InvalidInputError(
        `targetVersion must be a whole number of 0 or more; got ${String(target)}.`,
        "targetVersion",
      );
    }
    if (target > state.currentVersion) {
      throw new InvalidInputError(
        `Cannot roll back to version ${target}: the database is at ${state.currentVersion}. ` +
          `To go forward, use \`${wordsOf(options.wording).migrateTo(target)}\`.`,
        "targetVersion",
      );
    }
    const oldest = appliedKnown.at(-1);
    if (oldest && target < oldest.version - 1) {
      throw new InvalidInputError(
        `Cannot roll back to version ${target}: the oldest migration that can be undone is ${oldest.version}.`,
        "targetVersion",
      );
    }
    return appliedKnown.filter((m) => m.version > target);
  }
  const steps = options.steps ?? 1;
  if (!Number.isSafeInteger(steps) || steps < 1) {
    throw new InvalidInputError(`steps must be a whole number of 1 or more; got ${String(steps)}.`, "steps");
  }
  if (steps > appliedKnown.length) {
    throw new InvalidInputError(
      `Cannot roll back ${steps} migration${
        steps === 1 ? "" : "s"
      }: the database has applied only ${appliedKnown.length}.`,
      "steps",
    );
  }
  return appliedKnown.slice(0, steps);
}

/** What {@link MigrationStatusEntry.problem} each problem gives the migrations it names. */
const ENTRY_PROBLEMS: Partial<Record<DatabaseStateReason, MigrationStatusEntry["problem"]>> = {
  "checksum-mismatch": "edited",
  renamed: "renamed",
  "missing-file": "missing",
  "future-version": "missing",
  "out-of-order": "out-of-order",
};

/** The status report of a database against the known migrations, with what stops `migrate`. */
export function buildStatus(
  state: DatabaseState,
  known: readonly Migration[],
  lastRun: string | null,
): MigrationStatus {
  const problems = migrateProblems(state, known);
  const problemOf = new Map<number, MigrationStatusEntry["problem"]>();
  for (const problem of problems) {
    for (const version of problem.versions) {
      const entry = ENTRY_PROBLEMS[problem.reason];
      if (entry && !problemOf.has(version)) problemOf.set(version, entry);
    }
  }
  const entryProblem = (version: number, entryState: MigrationStatusEntry["state"]) =>
    entryState === "started" || entryState === "failed" ? entryState : problemOf.get(version) ?? null;
  const migrations: MigrationStatusEntry[] = known.map((m) => {
    const entry = state.applied.get(m.version);
    const applied = entry?.state === "applied";
    const status = entry?.state ?? "pending";
    return {
      version: m.version,
      description: m.description,
      state: status,
      problem: entryProblem(m.version, status),
      appliedAt: applied ? entry!.appliedAt : null,
      durationMs: applied ? entry!.durationMs : null,
      file: m.file ?? null,
      known: true,
    };
  });
  const knownVersions = new Set(known.map((m) => m.version));
  for (const entry of state.applied.values()) {
    if (knownVersions.has(entry.version)) continue;
    migrations.push({
      version: entry.version,
      description: entry.description,
      state: entry.state,
      problem: entryProblem(entry.version, entry.state),
      appliedAt: entry.appliedAt,
      durationMs: entry.durationMs,
      file: null,
      known: false,
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  const pendingCount =
    known.filter((m) => m.version > state.currentVersion && !state.applied.has(m.version)).length;
  return {
    currentVersion: state.currentVersion,
    latestVersion: known.at(-1)?.version ?? 0,
    pendingCount,
    lastRun,
    ok: problems.length === 0 && pendingCount === 0,
    problems: problems.map((p) => ({ reason: p.reason, versions: p.versions, message: p.message })),
    migrations,
  };
}
