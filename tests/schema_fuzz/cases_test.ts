/**
 * The generator fuzzer in CI: a few hundred seeded cases of random schemas with rows and random
 * changes, each checked as tests/schema_fuzz/case.ts says. `deno task fuzz:schema --seed S --cases N`
 * runs any number of them.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { runCase } from "./case.ts";
import { randomChanges, randomSchema } from "./generate.ts";
import { renderSchema } from "./model.ts";
import { seededRandom } from "./random.ts";
import { Conversions } from "./rows.ts";

const CASES = 300;

Deno.test(`generated migrations pass every check on ${CASES} seeded random schemas and changes`, async () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= CASES; seed++) {
    const result = await runCase(seed);
    for (const failure of result.failures) {
      failures.push(`seed ${seed} (${result.steps.join("; ")}): ${failure}`);
    }
  }
  assert.deepEqual(failures, []);
});

Deno.test("the fuzzer's schemas, before and after its changes, are schemas SQLite accepts", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seededRandom(seed);
    const schema = randomSchema(random);
    for (const sql of [renderSchema(schema), (randomChanges(schema, random), renderSchema(schema))]) {
      const db = new DatabaseSync(":memory:");
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    }
  }
});

Deno.test("the fuzzer expects values converted as a column's affinity converts them", () => {
  const conversions = new Conversions(new DatabaseSync(":memory:"));
  assert.equal(conversions.convert("'007'", "INTEGER"), "7");
  assert.equal(conversions.convert("'abc'", "INTEGER"), "'abc'");
  assert.equal(conversions.convert("7", "REAL"), "7.0");
  assert.equal(conversions.convert("1.5", "TEXT"), "'1.5'");
  assert.equal(conversions.convert("'1.0'", "NUMERIC"), "1");
});
