import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { readSchema } from "../../src/schema/read_schema.ts";
import { diffSchemas } from "../../src/schema/diff.ts";
import { dumpSchema } from "../../src/schema/dump.ts";

async function dumpOf(sql: string, version?: number): Promise<string> {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(sql);
    return dumpSchema(await readSchema(db), { version });
  } finally {
    db.close();
  }
}

const SCHEMA = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, team_id INTEGER REFERENCES teams (id));
  CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);
  CREATE INDEX users_team ON users (team_id);
  CREATE VIEW team_sizes AS SELECT team_id, count(*) AS size FROM users GROUP BY team_id;
  CREATE VIEW emails AS SELECT email FROM users;
  CREATE TRIGGER teams_gone AFTER DELETE ON teams BEGIN UPDATE users SET team_id = NULL WHERE team_id = old.id; END;
  CREATE TRIGGER big_team INSTEAD OF INSERT ON team_sizes BEGIN SELECT RAISE(ABORT, 'read only; really'); END;`;

Deno.test("dumpSchema() writes tables, indexes, views and triggers, each sorted, with the version in the header", async () => {
  assert.equal(
    await dumpOf(SCHEMA, 7),
    `-- Schema at version 7, written by strata from the database. Do not edit it: change the schema with a
-- migration, then dump again.

CREATE TABLE teams (
  id INTEGER PRIMARY KEY,
  name TEXT
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  team_id INTEGER REFERENCES teams(id)
);

CREATE INDEX users_team ON users(team_id);

CREATE VIEW emails AS SELECT email FROM users;

CREATE VIEW team_sizes AS SELECT team_id, count(*) AS size FROM users GROUP BY team_id;

CREATE TRIGGER big_team INSTEAD OF INSERT ON team_sizes BEGIN
  SELECT RAISE(ABORT, 'read only; really');
END;

CREATE TRIGGER teams_gone AFTER DELETE ON teams BEGIN
  UPDATE users SET team_id = NULL WHERE team_id = old.id;
END;
`,
  );
});

Deno.test("dumpSchema() gives the same bytes for the same schema created in another order and spacing", async () => {
  const reordered = `
    CREATE TABLE teams(id INTEGER  PRIMARY KEY,
      name TEXT);
    CREATE TABLE users (
      id INTEGER PRIMARY KEY,   -- the key
      email TEXT NOT NULL,
      team_id INTEGER REFERENCES teams ( id )
    );
    CREATE VIEW emails AS SELECT email FROM users;
    CREATE VIEW team_sizes AS SELECT team_id, count(*) AS size FROM users GROUP BY team_id;
    CREATE TRIGGER big_team INSTEAD OF INSERT ON team_sizes BEGIN SELECT RAISE(ABORT, 'read only; really'); END;
    CREATE TRIGGER teams_gone AFTER DELETE ON teams
    BEGIN
      UPDATE users SET team_id = NULL WHERE team_id = old.id;
    END;
    CREATE INDEX users_team ON users(team_id);`;
  assert.equal(await dumpOf(reordered, 3), await dumpOf(SCHEMA, 3));
});

Deno.test("a dump run on an empty database recreates the same schema", async () => {
  const source = new DatabaseSync(":memory:");
  const copy = new DatabaseSync(":memory:");
  try {
    source.exec(SCHEMA);
    const schema = await readSchema(source);
    copy.exec(dumpSchema(schema));
    assert.deepEqual(diffSchemas(schema, await readSchema(copy)), []);
    assert.deepEqual((await readSchema(copy)).views, schema.views);
  } finally {
    source.close();
    copy.close();
  }
});
