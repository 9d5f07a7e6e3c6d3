import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  BaseMigration,
  type Executor,
  type Migration,
  MigrationManager,
  MigrationSetError,
} from "../../mod.ts";
import { toMigration, validateMigrationSet } from "../../src/core/migration.ts";

function migration(version: number, description = `migration ${version}`): Migration {
  return { version, description, up: () => {} };
}

function manager(): { manager: MigrationManager; db: DatabaseSync } {
  const db = new DatabaseSync(":memory:");
  return { manager: new MigrationManager(db), db };
}

Deno.test("validateMigrationSet() returns the migrations sorted by version", () => {
  const sorted = validateMigrationSet([migration(3), migration(1), migration(2)]);
  assert.deepEqual(sorted.map((m) => m.version), [1, 2, 3]);
});

Deno.test("validateMigrationSet() accepts an empty set and a set that starts above 1", () => {
  assert.deepEqual(validateMigrationSet([]), []);
  assert.deepEqual(validateMigrationSet([migration(5), migration(4)]).map((m) => m.version), [4, 5]);
});

for (
  const [label, version, shown] of [
    ["0", 0, "0"],
    ["-1", -1, "-1"],
    ["2.5", 2.5, "2.5"],
    ["NaN", NaN, "NaN"],
    ["above Number.MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER + 1, String(Number.MAX_SAFE_INTEGER + 1)],
    ["Infinity", Infinity, "Infinity"],
  ] as const
) {
  Deno.test(`validateMigrationSet() refuses version ${label} and names it`, () => {
    assert.throws(
      () => validateMigrationSet([migration(1), migration(version, "bad one")]),
      (error: unknown) => {
        assert.ok(error instanceof MigrationSetError);
        assert.match(error.message, /positive whole numbers/);
        assert.ok(error.message.includes(shown), error.message);
        assert.ok(error.message.includes('"bad one"'), error.message);
        assert.deepEqual(error.versions, [version]);
        return true;
      },
    );
  });
}

Deno.test("validateMigrationSet() refuses a version that is not a number", () => {
  const bad = { ...migration(1), version: "2" as unknown as number };
  assert.throws(() => validateMigrationSet([bad]), (error: unknown) => {
    assert.ok(error instanceof MigrationSetError);
    assert.match(error.message, /found 2 /);
    assert.deepEqual(error.versions, []);
    return true;
  });
});

Deno.test("validateMigrationSet() refuses duplicate versions, naming the version and both migrations", () => {
  assert.throws(
    () => validateMigrationSet([migration(1), migration(2, "first two"), migration(2, "second two")]),
    (error: unknown) => {
      assert.ok(error instanceof MigrationSetError);
      assert.match(error.message, /Duplicate migration versions: 2 \("first two" and "second two"\)/);
      assert.deepEqual(error.versions, [2]);
      return true;
    },
  );
});

Deno.test("validateMigrationSet() names migration files in a duplicate error", () => {
  const a = { ...migration(1), file: "/m/001_a.sql" };
  const b = { ...migration(1), file: "/m/001_b.ts" };
  assert.throws(() => validateMigrationSet([a, b]), /1 \(\/m\/001_a\.sql and \/m\/001_b\.ts\)/);
});

Deno.test("validateMigrationSet() refuses gaps, naming every missing version", () => {
  assert.throws(
    () => validateMigrationSet([migration(1), migration(2), migration(5), migration(7)]),
    (error: unknown) => {
      assert.ok(error instanceof MigrationSetError);
      assert.match(error.message, /missing 3, 4, 6 between 1 and 7/);
      assert.deepEqual(error.versions, [3, 4, 6]);
      return true;
    },
  );
});

Deno.test("toMigration() turns a plain object into a migration and keeps its fields", () => {
  const up = () => {};
  const down = () => {};
  const m = toMigration({ version: 4, description: "d", up, down, transaction: false }, 0);
  assert.equal(m.version, 4);
  assert.equal(m.description, "d");
  assert.equal(m.transaction, false);
  assert.equal(typeof m.up, "function");
  assert.equal(typeof m.down, "function");
});

Deno.test("toMigration() leaves down undefined when the migration has none", () => {
  const m = toMigration({ version: 1, description: "d", up: () => {} }, 0);
  assert.equal(m.down, undefined);
});

class CreateUsers extends BaseMigration {
  version = 1;
  description = "create users";
  tableName = "users";
  async up(db: Executor): Promise<void> {
    // Uses `this`: the class style must keep it bound.
    await db.exec(`CREATE TABLE ${this.tableName} (id INTEGER PRIMARY KEY)`);
  }
  async down(db: Executor): Promise<void> {
    await db.exec(`DROP TABLE ${this.tableName}`);
  }
}

class AddEmail extends BaseMigration {
  version = 2;
  description = "add email";
  up(db: Executor): Promise<void> {
    return db.exec("ALTER TABLE users ADD COLUMN email TEXT");
  }
}

Deno.test("registerMigrations() accepts BaseMigration subclasses and keeps `this` in up()", async () => {
  const { manager: m, db } = manager();
  try {
    m.registerMigrations([CreateUsers, AddEmail]);
    assert.deepEqual(m.migrations.map((x) => [x.version, x.description]), [[1, "create users"], [
      2,
      "add email",
    ]]);
    await m.migrate();
    assert.deepEqual(
      db.prepare("SELECT name FROM pragma_table_info('users') ORDER BY cid").all().map((r) => r.name),
      ["id", "email"],
    );
  } finally {
    db.close();
  }
});

Deno.test("rollback() runs a class-style down() with its `this`", async () => {
  const { manager: m, db } = manager();
  try {
    const instance = new CreateUsers();
    instance.tableName = "people";
    m.registerMigrations([instance]);
    await m.migrate();
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'people'").get()?.n, 1);
    const result = await m.rollback();
    assert.deepEqual([result.steps.map((step) => step.version), result.currentVersion], [[1], 0]);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'people'").get()?.n, 0);
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() accepts BaseMigration instances mixed with objects", async () => {
  const { manager: m, db } = manager();
  try {
    m.registerMigrations([new CreateUsers(), {
      version: 2,
      description: "obj",
      up: (x) => x.exec("CREATE TABLE t (a)"),
    }]);
    const { steps, currentVersion } = await m.migrate();
    assert.deepEqual([steps.map((step) => step.version), currentVersion], [[1, 2], 2]);
    assert.equal(
      db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('users', 't')").get()?.n,
      2,
    );
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() keeps a class-style migration's transaction: false", () => {
  class Vacuum extends BaseMigration {
    version = 1;
    description = "vacuum";
    transaction = false;
    up(db: Executor): Promise<void> {
      return db.exec("VACUUM");
    }
  }
  const { manager: m, db } = manager();
  try {
    m.registerMigrations([Vacuum]);
    assert.equal(m.migrations[0].transaction, false);
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() refuses a class that cannot be constructed without arguments", () => {
  class NeedsArgs extends BaseMigration {
    version = 1;
    description = "needs args";
    constructor(required?: string) {
      super();
      if (required === undefined) throw new Error("required argument missing");
    }
    up(): void {}
  }
  const { manager: m, db } = manager();
  try {
    assert.throws(
      () => m.registerMigrations([NeedsArgs]),
      (error: unknown) =>
        error instanceof MigrationSetError && /NeedsArgs/.test(error.message) &&
        /required argument missing/.test(error.message),
    );
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() refuses values that are not migrations", () => {
  const { manager: m, db } = manager();
  try {
    for (
      const [value, pattern] of [
        [null, /#1 in the list is null/],
        [42, /#1 in the list is number/],
        [{ version: 1, description: "no up" }, /Migration 1 has no up\(\) function/],
        [{ version: 1, description: "bad down", up: () => {}, down: "DROP" }, /down that is not a function/],
        [{ version: 1, up: () => {} }, /Migration 1 has no description/],
      ] as const
    ) {
      assert.throws(
        () => m.registerMigrations([value as unknown as Migration]),
        (error: unknown) => error instanceof MigrationSetError && pattern.test(error.message),
        String(pattern),
      );
    }
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() refuses invalid versions 0, -1, 2.5, NaN and above MAX_SAFE_INTEGER", () => {
  for (const version of [0, -1, 2.5, NaN, Number.MAX_SAFE_INTEGER + 1]) {
    const { manager: m, db } = manager();
    try {
      assert.throws(
        () => m.registerMigrations([migration(version)]),
        (error: unknown) =>
          error instanceof MigrationSetError && error.message.includes(String(version)) &&
          Object.is(error.versions[0], version),
        String(version),
      );
    } finally {
      db.close();
    }
  }
});

Deno.test("registerMigrations() refuses a class whose version is missing", () => {
  class NoVersion extends BaseMigration {
    description = "no version";
    up(): void {}
  }
  const { manager: m, db } = manager();
  try {
    assert.throws(() => m.registerMigrations([NoVersion]), MigrationSetError);
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() checks the whole set across calls and registers nothing on error", async () => {
  const { manager: m, db } = manager();
  try {
    m.registerMigrations([migration(1), migration(2)]);
    assert.throws(
      () => m.registerMigrations([migration(2, "again")]),
      (error: unknown) => error instanceof MigrationSetError && /Duplicate/.test(error.message),
    );
    assert.deepEqual(m.migrations.map((x) => x.version), [1, 2]);
    m.registerMigrations([migration(4)]);
    await assert.rejects(
      m.migrate(),
      (error: unknown) =>
        error instanceof MigrationSetError && /missing 3/.test(error.message) &&
        error.versions.join() === "3",
      "a gap the database never applied is refused when the database is read",
    );
    m.registerMigrations([migration(3)]);
    assert.deepEqual(m.migrations.map((x) => x.version), [1, 2, 3, 4]);
  } finally {
    db.close();
  }
});

Deno.test("registerMigrations() returns the manager for chaining", () => {
  const { manager: m, db } = manager();
  try {
    assert.equal(m.registerMigrations([migration(1)]), m);
  } finally {
    db.close();
  }
});
