/**
 * The planner: from the known migrations and what a database recorded, decide what it is at and
 * which migrations a command would run. Pure functions, no I/O: every refusal happens here, before a
 * single write.
 *
 * @module
 */
import { DatabaseStateError, InvalidInputError } from "./errors.ts";
import type { AppliedMigration, HistorySnapshot, LegacyVersion } from "./history.ts";
import { isValidVersion, label, listForMessage, type Migration } from "./migration.ts";

/** What a database has applied, with seed-era versions already turned into history entries. */
export interface DatabaseState {
  /** Highest applied version, 0 when none. */
  currentVersion: number;
  /** Applied (and started) migrations by version. */
  applied: Map<number, AppliedMigration>;
  /** Entries imported from a seed-era `settings` version, to be written on the first run. */
  imported: AppliedMigration[];
  /** The seed-era `settings` keys to keep up to date, when the database has them. */
  legacy: LegacyVersion | null;
}

/** One migration in a {@link MigrationStatus}. */
export interface MigrationStatusEntry {
  /** Version of the migration. */
  version: number;
  /** Its description (as recorded, when it is applied but no longer known). */
  description: string;
  /** Whether the database has applied it. */
  applied: boolean;
  /**
   * `"applied"`, `"pending"`; for a migration outside a transaction, `"started"` when it began but
   * has not finished (still running elsewhere, or its run was killed) and `"failed"` when it threw
   * part way.
   * has not finished (still running elsewhere, or its run was killed).
   */
  state: "applied" | "pending" | "started" | "failed";
  /** When it was applied (ISO-8601), or null. */
  appliedAt: string | null;
  /** How long applying it took, in milliseconds, or null when unknown or pending. */
  durationMs: number | null;
  /** The file it comes from, or null for a migration defined in code or no longer known. */
  file: string | null;
  /** False for a version the database applied that no known migration has (a database from the future). */
  known: boolean;
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
  /** One entry per known migration, plus any applied version no known migration has. */
  migrations: MigrationStatusEntry[];
}

/** Derives what a database has applied from its history, importing a seed-era version if needed. */
export function databaseState(
  snapshot: HistorySnapshot,
  known: readonly Migration[],
  now: string,
): DatabaseState {
  const applied = new Map(snapshot.applied.map((entry) => [entry.version, entry]));
  const imported: AppliedMigration[] = [];
  const legacy = snapshot.legacy;
  if (!snapshot.exists && legacy && legacy.version > 0) {
    const recorded = (version: number, name: string, description: string, checksum: string | null) => {
      const entry: AppliedMigration = {
        version,
        name,
        description,
        checksum,
        appliedAt: legacy.lastRun ?? now,
        durationMs: null,
        state: "applied",
      };
      applied.set(version, entry);
      imported.push(entry);
    };
    for (const m of known) {
      if (m.version <= legacy.version) recorded(m.version, nameOf(m), m.description, m.checksum ?? null);
    }
    if (!applied.has(legacy.version)) {
      // Migrated by newer code: keep the version so status reports it and runs refuse it.
      const key = legacy.keys[0].versionKey;
      recorded(legacy.version, `settings ${key}`, `recorded in settings (${key})`, null);
    }
  }
  let currentVersion = 0;
  for (const entry of applied.values()) {
    if (entry.state === "applied" && entry.version > currentVersion) currentVersion = entry.version;
  }
  return { currentVersion, applied, imported, legacy: snapshot.legacy };
}

/** The identity recorded for a migration: its file name, or its description when defined in code. */
export function nameOf(m: Migration): string {
  return m.file ? baseName(m.file) : m.description;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/**
 * Everything that stops the known migrations from safely moving a database, one error per kind:
 * versions newer than every known migration, a migration outside a transaction that never finished,
 * known migrations below the current version that were never applied, applied migrations whose file
 * was renamed, and applied migrations whose source changed. Empty when the database can be migrated.
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
  // A baseline stands in for the migration its version had: only a record it wrote itself is its own.
  const ownRecord = (m: Migration) => {
    const entry = state.applied.get(m.version);
    return entry && (!m.baseline || entry.name === nameOf(m)) ? entry : undefined;
  };
  const renamed = known.filter((m) => {
    const entry = ownRecord(m);
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
    const entry = ownRecord(m);
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
  return problems;
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
  return m.file ? `${m.version} (${baseName(m.file)})` : label(m);
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
  options: { targetVersion?: number } = {},
): Migration[] {
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
          `Create the migration first, or leave out the target to apply everything.`,
        "targetVersion",
      );
    }
    if (target < state.currentVersion) {
      throw new InvalidInputError(
        `Cannot migrate to version ${target}: the database is already at ${state.currentVersion}. ` +
          `To go back, use rollback with targetVersion ${target}.`,
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
  options: { steps?: number; targetVersion?: number } = {},
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
          `To go forward, use migrate with targetVersion ${target}.`,
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

/** The status report of a database against the known migrations. */
export function buildStatus(
  state: DatabaseState,
  known: readonly Migration[],
  lastRun: string | null,
): MigrationStatus {
  const migrations: MigrationStatusEntry[] = known.map((m) => {
    const entry = state.applied.get(m.version);
    const applied = entry?.state === "applied";
    return {
      version: m.version,
      description: m.description,
      applied,
      state: entry?.state ?? "pending",
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
      applied: entry.state === "applied",
      state: entry.state,
      appliedAt: entry.appliedAt,
      durationMs: entry.durationMs,
      file: null,
      known: false,
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  return {
    currentVersion: state.currentVersion,
    latestVersion: known.at(-1)?.version ?? 0,
    pendingCount:
      known.filter((m) => m.version > state.currentVersion && !state.applied.has(m.version)).length,
    lastRun,
    migrations,
  };
}
