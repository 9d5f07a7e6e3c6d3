/**
 * Writes a migration of the model as a `.ts` file whose default export is `{ up, down, transaction? }`,
 * each call of `up` made in the style the model gives it.
 *
 * @module
 */
import type { MigrationPlan, Op, Style } from "./plan.ts";

/** The text of a `.ts` migration. */
export function renderTs(migration: MigrationPlan): string {
  const up = migration.ops.flatMap((op) => linesOf(op, migration));
  return [
    "export default {",
    ...(migration.transactional ? [] : ["  transaction: false,"]),
    `  ${migration.asyncUp ? "async " : ""}up(db) {`,
    ...up.map((line) => `    ${line}`),
    "  },",
    "  async down(db) {",
    ...migration.down.map((sql) => `    await db.exec(${quote(sql)});`),
    "  },",
    "};",
    "",
  ].join("\n");
}

function quote(sql: string): string {
  return JSON.stringify(sql);
}

function call(method: "exec" | "run", sql: string): string {
  return `db.${method}(${quote(sql)})`;
}

/** A call in a style, as lines. */
function styled(expression: string, style: Style): string[] {
  switch (style) {
    case "awaited":
      return [`await ${expression};`];
    case "forgotten":
      return [`${expression};`];
    case "caught":
      return [`${expression}.catch(() => {});`];
    case "tried":
      return ["try {", `  await ${expression};`, "} catch {", "  // handled: the migration goes on", "}"];
    case "then":
      return [`${expression}.then((result) => void result);`];
    case "finally":
      return [`${expression}.finally(() => {});`];
  }
}

function linesOf(op: Op, migration: MigrationPlan): string[] {
  const wait = migration.asyncUp ? "await " : "";
  switch (op.kind) {
    case "statement":
      return styled(call(op.method, op.sql), op.style);
    case "chain":
      return [
        `${op.awaited ? "await " : ""}db.query(${quote(op.select)}).then((rows) => {`,
        `  for (const row of rows) db.run(${quote(op.insert)}, ${op.offset} + Number(row.id));`,
        "});",
      ];
    case "all":
      return [
        `${op.awaited ? "await " : ""}Promise.all([${
          op.members.map((m) => call("run", m.sql)).join(", ")
        }]);`,
      ];
    case "block": {
      const inside = [...op.statements, ...(op.failing ? [op.failing] : [])];
      if (op.oneScript) return [`${wait}db.exec(${quote(["BEGIN", ...inside, "COMMIT"].join(";\n"))});`];
      return [
        `${wait}db.exec("BEGIN");`,
        ...inside.map((sql) => `${wait}${call("run", sql)};`),
        `${wait}db.exec("COMMIT");`,
      ];
    }
    case "sleep":
      return [`await new Promise((resolve) => setTimeout(resolve, ${op.ms}));`];
    case "store":
      return [`globalThis.__strata_fuzz_${migration.version} = db;`];
    case "stale": {
      const kept = `globalThis.__strata_fuzz_${op.owner}?.run(${quote(op.sql)})`;
      return op.awaited
        ? ["try {", `  await ${kept};`, "} catch {", "  // refused: that migration has ended", "}"]
        : [`${kept}.catch(() => {});`];
    }
    case "timer":
      return [`setTimeout(() => ${call("run", op.sql)}${op.caught ? ".catch(() => {})" : ""}, ${op.ms});`];
    case "throw":
      return [`throw new Error("fuzz: migration ${migration.version} throws");`];
    case "reject":
      return migration.asyncUp
        ? [`throw new Error("fuzz: migration ${migration.version} rejects");`]
        : [`return Promise.reject(new Error("fuzz: migration ${migration.version} rejects"));`];
  }
}
