import assert from "node:assert/strict";
import { DatabaseStateError, InvalidInputError, type Migration, MigrationSetError } from "../../mod.ts";
import type { AppliedMigration, HistorySnapshot } from "../../src/core/history.ts";
import type { SettingsVersion } from "../../src/core/settings_version.ts";
import { type DatabaseState, type KnownMigrations, stateOf } from "../../src/core/database_state.ts";
import { gapsOf } from "../../src/core/migration.ts";
import {
  buildStatus,
  checkState,
  type MigrationStatus,
  planMigrate,
  planRollback,
  stateProblems,
} from "../../src/core/planner.ts";

function known(...versions: number[]): Migration[] {
  return versions.map((version) => ({ version, description: `m${version}`, up: () => {}, down: () => {} }));
}

function entry(version: number, overrides: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    version,
    name: `m${version}`,
    description: `m${version}`,
    checksum: null,
    appliedAt: `2024-01-0${version}T00:00:00.000Z`,
    durationMs: 1.5,
    state: "applied",
    ...overrides,
  };
}

function snapshot(applied: AppliedMigration[], extra: Partial<HistorySnapshot> = {}): HistorySnapshot {
  return { exists: applied.length > 0, applied, lastRun: null, settings: null, unwritable: [], ...extra };
}

function settingsAt(version: number, lastRun: string | null = null): SettingsVersion {
  return {
    keys: [{ versionKey: "db_migration_version", lastRunKey: "db_migration_last_run" }],
    version,
    rows: [{ key: "db_migration_version", value: String(version) }],
    lastRun,
    canInsert: true,
  };
}

/** The fields of a status this suite pins down (later issues may add more). */
function core(status: MigrationStatus) {
  return {
    currentVersion: status.currentVersion,
    latestVersion: status.latestVersion,
    pendingCount: status.pendingCount,
    lastRun: status.lastRun,
    migrations: status.migrations.map((m) => ({
      version: m.version,
      description: m.description,
      applied: m.state === "applied",
      appliedAt: m.appliedAt,
      durationMs: m.durationMs,
      file: m.file,
      known: m.known,
    })),
  };
}

function knownOf(list: Migration[]): KnownMigrations {
  return { list, gaps: gapsOf(list) };
}

function stateAt(applied: number[], migrations: Migration[]): DatabaseState {
  return stateOf(snapshot(applied.map((v) => entry(v))), knownOf(migrations));
}

Deno.test("stateOf() of an empty history is version 0 with nothing applied", () => {
  const state = stateOf(snapshot([]), knownOf(known(1, 2)));
  assert.equal(state.currentVersion, 0);
  assert.equal(state.applied.size, 0);
  assert.deepEqual(state.imported, []);
  assert.equal(state.settings, null);
});

Deno.test("stateOf() takes the highest applied version, ignoring migrations only started", () => {
  const state = stateOf(
    snapshot([entry(1), entry(2), entry(3, { state: "started" })]),
    knownOf(known(1, 2, 3)),
  );
  assert.equal(state.currentVersion, 2);
  assert.equal(state.applied.size, 3);
});

Deno.test("stateOf() imports a seed-era version as applied entries 1..N when there is no history", () => {
  const state = stateOf(
    snapshot([], { exists: false, settings: settingsAt(2, "2025-10-23T10:00:00") }),
    knownOf(known(1, 2, 3)),
  );
  assert.equal(state.currentVersion, 2);
  assert.deepEqual(state.imported.map((e) => [e.version, e.appliedAt, e.durationMs]), [
    [1, "2025-10-23T10:00:00", null],
    [2, "2025-10-23T10:00:00", null],
  ]);
  assert.deepEqual([...state.applied.keys()], [1, 2]);
});

Deno.test("stateOf() uses now for imported entries when the seed recorded no last run", () => {
  const before = new Date().toISOString();
  const state = stateOf(snapshot([], { settings: settingsAt(1) }), knownOf(known(1)));
  const appliedAt = state.imported[0].appliedAt;
  assert.ok(before <= appliedAt && appliedAt <= new Date().toISOString(), appliedAt);
});

Deno.test("stateOf() ignores the seed-era version once the history table exists", () => {
  const state = stateOf(
    snapshot([entry(1)], { exists: true, settings: settingsAt(3) }),
    knownOf(known(1, 2, 3)),
  );
  assert.equal(state.currentVersion, 1);
  assert.deepEqual(state.imported, []);
});

Deno.test("stateOf() imports nothing for a seed-era version 0", () => {
  const state = stateOf(snapshot([], { settings: settingsAt(0) }), knownOf(known(1)));
  assert.equal(state.currentVersion, 0);
  assert.deepEqual(state.imported, []);
  assert.notEqual(state.settings, null);
});

Deno.test("checkState() accepts a database behind or at the newest migration", () => {
  checkState(stateAt([], known(1, 2)), known(1, 2));
  checkState(stateAt([1], known(1, 2)), known(1, 2));
  checkState(stateAt([1, 2], known(1, 2)), known(1, 2));
});

Deno.test("checkState() refuses a database newer than every known migration, naming both versions", () => {
  const migrations = known(1, 2);
  const state = stateAt([1, 2, 3], migrations);
  assert.throws(() => checkState(state, migrations), (error: unknown) => {
    assert.ok(error instanceof DatabaseStateError);
    assert.equal(error.reason, "future-version");
    assert.deepEqual(error.versions, [3]);
    assert.match(error.message, /version 3/);
    assert.match(error.message, /newest known migration is 2/);
    return true;
  });
});

Deno.test("checkState() refuses a known migration below the current version that was never applied", () => {
  const migrations = known(1, 2, 3);
  const state = stateAt([1, 3], migrations);
  assert.throws(
    () => checkState(state, migrations),
    (error: unknown) =>
      error instanceof DatabaseStateError && error.reason === "out-of-order" && error.versions.join() === "2",
  );
});

Deno.test("a version missing between the known migrations is a deleted file when the database applied it", () => {
  const migrations = known(1, 2, 4, 5);
  const state = stateAt([1, 2, 3, 4], migrations);
  const [problem] = stateProblems(state, migrations);
  assert.equal(problem.reason, "missing-file");
  assert.deepEqual(problem.versions, [3]);
  assert.match(
    problem.message,
    /Applied migration 3 \(m3\) is missing from the migrations directory.*Restore it/,
  );
  const status = buildStatus(state, migrations, null);
  assert.deepEqual(status.migrations.map((m) => [m.version, m.problem]), [
    [1, null],
    [2, null],
    [3, "missing"],
    [4, null],
    [5, null],
  ]);
  assert.equal(status.ok, false);
});

Deno.test("a version missing between the known migrations that the database never applied is a gap in the set", () => {
  const migrations = known(1, 2, 4);
  for (const applied of [[], [1, 2]]) {
    assert.throws(
      () => stateAt(applied, migrations),
      (error: unknown) => error instanceof MigrationSetError && error.versions.join() === "3",
    );
  }
});

Deno.test("buildStatus() is ok only when nothing is pending and nothing stops migrate", () => {
  const migrations = known(1, 2);
  assert.equal(buildStatus(stateAt([1, 2], migrations), migrations, null).ok, true);
  const pending = buildStatus(stateAt([1], migrations), migrations, null);
  assert.deepEqual([pending.ok, pending.problems], [false, []]);
  const started = buildStatus(
    stateOf(snapshot([entry(1), entry(2, { state: "started" })]), knownOf(migrations)),
    migrations,
    null,
  );
  assert.deepEqual(started.problems.map((p) => p.reason), ["interrupted"]);
  assert.deepEqual(started.migrations.map((m) => m.problem), [null, "started"]);
});

Deno.test("checkState() refuses a migration outside a transaction that never finished", () => {
  const migrations = known(1, 2);
  const state = stateOf(snapshot([entry(1), entry(2, { state: "started" })]), knownOf(migrations));
  assert.throws(
    () => checkState(state, migrations),
    (error: unknown) => error instanceof DatabaseStateError && error.reason === "interrupted",
  );
});

Deno.test("a seed-era version above every known migration is reported by status and refused by runs", () => {
  const migrations = known(1, 2);
  const state = stateOf(snapshot([], { settings: settingsAt(5) }), knownOf(migrations));
  assert.equal(state.currentVersion, 5);
  const status = buildStatus(state, migrations, null);
  assert.deepEqual(status.migrations.map((m) => [m.version, m.known]), [[1, true], [2, true], [5, false]]);
  assert.throws(
    () => checkState(state, migrations),
    (error: unknown) =>
      error instanceof DatabaseStateError && error.reason === "future-version" &&
      /version 5/.test(error.message) && /newest known migration is 2/.test(error.message),
  );
});

Deno.test("planMigrate() plans every pending migration in order", () => {
  const migrations = known(1, 2, 3);
  assert.deepEqual(planMigrate(stateAt([], migrations), migrations).map((m) => m.version), [1, 2, 3]);
  assert.deepEqual(planMigrate(stateAt([1], migrations), migrations).map((m) => m.version), [2, 3]);
  assert.deepEqual(planMigrate(stateAt([1, 2, 3], migrations), migrations), []);
});

Deno.test("planMigrate() stops at targetVersion", () => {
  const migrations = known(1, 2, 3);
  assert.deepEqual(
    planMigrate(stateAt([], migrations), migrations, { targetVersion: 2 }).map((m) => m.version),
    [1, 2],
  );
  assert.deepEqual(planMigrate(stateAt([1], migrations), migrations, { targetVersion: 1 }), []);
  assert.deepEqual(planMigrate(stateAt([], migrations), migrations, { targetVersion: 0 }), []);
});

Deno.test("planMigrate() refuses a target above the newest known migration", () => {
  const migrations = known(1, 2);
  assert.throws(
    () => planMigrate(stateAt([], migrations), migrations, { targetVersion: 3 }),
    (error: unknown) =>
      error instanceof InvalidInputError && error.input === "targetVersion" &&
      /Cannot migrate to version 3: the newest known migration is 2/.test(error.message),
  );
});

Deno.test("planMigrate() refuses a target below the current version and points to rollback", () => {
  const migrations = known(1, 2);
  assert.throws(
    () => planMigrate(stateAt([1, 2], migrations), migrations, { targetVersion: 1 }),
    (error: unknown) =>
      error instanceof InvalidInputError && /already at 2/.test(error.message) &&
      /rollback/.test(error.message),
  );
});

Deno.test("planMigrate() refuses a target that is not a whole number of 0 or more", () => {
  const migrations = known(1, 2);
  for (const targetVersion of [-1, 1.5, NaN, Infinity]) {
    assert.throws(
      () => planMigrate(stateAt([], migrations), migrations, { targetVersion }),
      (error: unknown) =>
        error instanceof InvalidInputError && error.input === "targetVersion" &&
        error.message.includes(String(targetVersion)),
      String(targetVersion),
    );
  }
});

Deno.test("planRollback() reverts one migration by default, the newest", () => {
  const migrations = known(1, 2, 3);
  assert.deepEqual(planRollback(stateAt([1, 2, 3], migrations), migrations).map((m) => m.version), [3]);
});

Deno.test("planRollback() reverts the newest `steps` migrations, newest first", () => {
  const migrations = known(1, 2, 3);
  assert.deepEqual(
    planRollback(stateAt([1, 2, 3], migrations), migrations, { steps: 2 }).map((m) => m.version),
    [3, 2],
  );
});

Deno.test("planRollback() reverts every migration above targetVersion", () => {
  const migrations = known(1, 2, 3);
  const state = stateAt([1, 2, 3], migrations);
  assert.deepEqual(planRollback(state, migrations, { targetVersion: 1 }).map((m) => m.version), [3, 2]);
  assert.deepEqual(planRollback(state, migrations, { targetVersion: 0 }).map((m) => m.version), [3, 2, 1]);
  assert.deepEqual(planRollback(state, migrations, { targetVersion: 3 }), []);
});

Deno.test("planRollback() refuses steps that are not a whole number of 1 or more", () => {
  const migrations = known(1, 2);
  for (const steps of [0, -1, 1.5, NaN]) {
    assert.throws(
      () => planRollback(stateAt([1, 2], migrations), migrations, { steps }),
      (error: unknown) =>
        error instanceof InvalidInputError && error.input === "steps" &&
        error.message.includes(String(steps)),
      String(steps),
    );
  }
});

Deno.test("planRollback() refuses more steps than migrations applied", () => {
  const migrations = known(1, 2, 3);
  assert.throws(
    () => planRollback(stateAt([1, 2], migrations), migrations, { steps: 3 }),
    (error: unknown) => error instanceof InvalidInputError && /applied only 2/.test(error.message),
  );
  assert.throws(
    () => planRollback(stateAt([], migrations), migrations),
    (error: unknown) => error instanceof InvalidInputError && /applied only 0/.test(error.message),
  );
});

Deno.test("planRollback() refuses a target above the current version and points to migrate", () => {
  const migrations = known(1, 2, 3);
  assert.throws(
    () => planRollback(stateAt([1], migrations), migrations, { targetVersion: 2 }),
    (error: unknown) =>
      error instanceof InvalidInputError && error.input === "targetVersion" &&
      /database is at 1/.test(error.message) && /migrate/.test(error.message),
  );
});

Deno.test("planRollback() refuses a target that is not a whole number of 0 or more", () => {
  const migrations = known(1, 2);
  for (const targetVersion of [-1, 0.5, NaN]) {
    assert.throws(
      () => planRollback(stateAt([1, 2], migrations), migrations, { targetVersion }),
      (error: unknown) => error instanceof InvalidInputError && error.input === "targetVersion",
      String(targetVersion),
    );
  }
});

Deno.test("planRollback() refuses steps and targetVersion together", () => {
  const migrations = known(1, 2);
  assert.throws(
    () => planRollback(stateAt([1, 2], migrations), migrations, { steps: 1, targetVersion: 0 }),
    (error: unknown) => error instanceof InvalidInputError && /not both/.test(error.message),
  );
});

Deno.test("planRollback() refuses a target below the oldest migration that can be undone", () => {
  const migrations = known(5, 6);
  assert.throws(
    () => planRollback(stateAt([5, 6], migrations), migrations, { targetVersion: 2 }),
    (error: unknown) => error instanceof InvalidInputError && /oldest migration .* is 5/.test(error.message),
  );
  assert.deepEqual(
    planRollback(stateAt([5, 6], migrations), migrations, { targetVersion: 4 }).map((m) => m.version),
    [6, 5],
  );
});

Deno.test("buildStatus() reports versions, pending count, last run and one entry per migration", () => {
  const migrations = known(1, 2, 3);
  const state = stateAt([1], migrations);
  const status = buildStatus(state, migrations, "2024-05-05T00:00:00.000Z");
  assert.deepEqual(core(status), {
    currentVersion: 1,
    latestVersion: 3,
    pendingCount: 2,
    lastRun: "2024-05-05T00:00:00.000Z",
    migrations: [
      {
        version: 1,
        description: "m1",
        applied: true,
        appliedAt: "2024-01-01T00:00:00.000Z",
        durationMs: 1.5,
        file: null,
        known: true,
      },
      {
        version: 2,
        description: "m2",
        applied: false,
        appliedAt: null,
        durationMs: null,
        file: null,
        known: true,
      },
      {
        version: 3,
        description: "m3",
        applied: false,
        appliedAt: null,
        durationMs: null,
        file: null,
        known: true,
      },
    ],
  });
});

Deno.test("buildStatus() of no migrations and a new database is all zeros", () => {
  assert.deepEqual(core(buildStatus(stateAt([], []), [], null)), {
    currentVersion: 0,
    latestVersion: 0,
    pendingCount: 0,
    lastRun: null,
    migrations: [],
  });
});

Deno.test("buildStatus() lists applied versions no known migration has, marked unknown", () => {
  const migrations = known(1);
  const state = stateAt([1, 2], migrations);
  const status = buildStatus(state, migrations, null);
  assert.equal(status.currentVersion, 2);
  assert.equal(status.latestVersion, 1);
  assert.equal(status.pendingCount, 0);
  assert.deepEqual(status.migrations.map((m) => [m.version, m.state === "applied", m.known]), [[
    1,
    true,
    true,
  ], [
    2,
    true,
    false,
  ]]);
});

Deno.test("buildStatus() reports the file of migrations loaded from files", () => {
  const migrations = [{ ...known(1)[0], file: "/x/001_a.sql" }];
  assert.equal(buildStatus(stateAt([], migrations), migrations, null).migrations[0].file, "/x/001_a.sql");
});
