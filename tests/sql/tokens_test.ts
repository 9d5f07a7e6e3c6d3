import assert from "node:assert/strict";
import { formatTokens, quoteName, sqlKey, tokenize, tokenName } from "../../src/sql/tokens.ts";

Deno.test("tokenize() keeps strings, quoted names, blobs, numbers and operators whole and drops comments", () => {
  const sql = `SELECT "a ""b""", [c d], \`e\`, 'it''s', x'00ff', 1.5e3, .5, ?1, :name, a->>'$.x' -- note
    /* block */ FROM t WHERE a <= 2 AND b <> 3`;
  assert.deepEqual(tokenize(sql).map((t) => `${t.kind}:${t.text}`), [
    "word:SELECT",
    'identifier:"a ""b"""',
    "punctuation:,",
    "identifier:[c d]",
    "punctuation:,",
    "identifier:`e`",
    "punctuation:,",
    "string:'it''s'",
    "punctuation:,",
    "blob:x'00ff'",
    "punctuation:,",
    "number:1.5e3",
    "punctuation:,",
    "number:.5",
    "punctuation:,",
    "variable:?1",
    "punctuation:,",
    "variable::name",
    "punctuation:,",
    "word:a",
    "operator:->>",
    "string:'$.x'",
    "word:FROM",
    "word:t",
    "word:WHERE",
    "word:a",
    "operator:<=",
    "number:2",
    "word:AND",
    "word:b",
    "operator:<>",
    "number:3",
  ]);
});

Deno.test("tokenName() unquotes every quoting style", () => {
  assert.deepEqual(tokenize(`"a ""b""" [c d] \`e\`\`f\` plain`).map(tokenName), [
    'a "b"',
    "c d",
    "e`f",
    "plain",
  ]);
});

Deno.test("quoteName() quotes keywords and names that are not plain", () => {
  assert.deepEqual(["users", "order", "Group", "two words", "x1"].map(quoteName), [
    "users",
    '"order"',
    '"Group"',
    '"two words"',
    "x1",
  ]);
});

Deno.test("formatTokens() normalises spacing without changing the meaning", () => {
  const format = (sql: string) => formatTokens(tokenize(sql));
  assert.equal(
    format("CREATE  INDEX i ON t ( a , lower( b ) DESC )"),
    "CREATE INDEX i ON t(a, lower(b) DESC)",
  );
  assert.equal(format("x IN(1,2) AND y=-1 AND z = a - -1"), "x IN (1, 2) AND y = -1 AND z = a - -1");
  assert.equal(format("DEFAULT - - 1"), "DEFAULT - -1");
  assert.equal(format("NULL -1"), "NULL - 1");
  assert.equal(format("main . t"), "main.t");
});

Deno.test("sqlKey() ignores spacing, case, comments and the quoting of plain names, but not strings", () => {
  assert.equal(sqlKey('CREATE INDEX "I" ON [T] ( "a" ) -- why'), sqlKey("create index i on t(a)"));
  assert.notEqual(sqlKey("x = 'A'"), sqlKey("x = 'a'"));
  assert.notEqual(sqlKey('"two words"'), sqlKey("two words"));
});
