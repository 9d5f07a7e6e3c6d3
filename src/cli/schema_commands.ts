/**
 * The CLI's schema tools: `check` (drift), `dump` (schema.sql), `baseline`, `squash`, `verify`, and
 * `new --from` (a migration generated from the schema you want), and the schema file `up --dump`
 * writes. Loaded only when one of them runs, so the common commands start without the schema modules.
 *
 * @module
 */
import {
  type CommandContext,
  migrationsDirectory,
  type OpenTarget,
  parseWholeNumber,
  print,
  withTarget,
} from "./flags.ts";
import { requireAccess } from "./permissions.ts";
import { baseline } from "../schema/baseline.ts";
import { checkDrift } from "../schema/drift.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { EXIT, UsageError } from "./exit_codes.ts";
import { resolve } from "../shared/paths.ts";
import { formatVersion } from "../shared/format.ts";
import { readSchema } from "../schema/read_schema.ts";
import { dumpSchema } from "../schema/dump.ts";
import { squashDirectory } from "../schema/squash.ts";
import { loadMigrations } from "../core/load_migrations.ts";
import { verifyMigrations } from "../schema/verify.ts";
import { writeSchemaMigration } from "../schema/write_migration.ts";

/** `check`: compares the live schema with what the migrations produce at its version; exit 4 on drift. */
export async function runCheck(c: CommandContext): Promise<number> {
  return await withTarget(c, { create: false }, async (target) => {
    const report = await checkDrift(target.engine, target.manager.migrations, {
      historyTable: c.flags.table as string | undefined,
    });
    const differences = report.differences.map((d) => d.message);
    print(
      c,
      { database: target.path, version: report.version, drift: differences.length > 0, differences },
      () =>
        differences.length === 0
          ? `${target.path} matches what migrations up to ${report.version} produce.`
          : [
            `${target.path} differs from what migrations up to ${report.version} produce:`,
            ...differences.map((d) => `- ${d}`),
          ].join("\n"),
    );
    return differences.length === 0 ? EXIT.ok : EXIT.drift;
  });
}

/** `dump`: writes the deterministic schema of the database (`--out`, default schema.sql; `-` for stdout). */
export async function runDump(c: CommandContext): Promise<void> {
  await withTarget(c, { create: false }, async (target) => {
    const out = c.flags.out as string | undefined ?? "schema.sql";
    const text = await schemaText(target);
    if (out === "-") {
      c.io.out(text.trimEnd());
      return;
    }
    requireAccess(resolve(out), ["write"], { flag: "--out", what: "the schema file" });
    await Deno.writeTextFile(out, text);
    print(c, { database: target.path, file: out }, () => `Wrote the schema of ${target.path} to ${out}.`);
  });
}

/** Writes the schema to `path` after a successful `up` or `rollback` (`--dump PATH`). */
export async function writeSchemaFile(target: OpenTarget, path: string): Promise<void> {
  await Deno.writeTextFile(path, await schemaText(target));
}

async function schemaText(target: OpenTarget): Promise<string> {
  const version = await target.manager.getCurrentVersion();
  return dumpSchema(await readSchema(target.engine), { version });
}

/** `baseline --to N [--force]`: adopts a database made outside migrations. */
export async function runBaseline(c: CommandContext): Promise<void> {
  const raw = c.flags.to;
  if (raw === undefined) {
    throw new UsageError("baseline needs --to N: the version the schema is at.", "--to");
  }
  const version = parseWholeNumber(String(raw), "--to", 1);
  await withTarget(c, { create: false }, async (target) => {
    if (!target.exists) {
      throw new InvalidInputError(`There is no database at ${target.path} to baseline.`, "--db");
    }
    const result = await baseline(target.engine, target.manager.migrations, version, {
      force: c.flags.force === true,
      historyTable: c.flags.table as string | undefined,
      wording: "cli",
    });
    print(
      c,
      { database: target.path, ...result },
      () =>
        [
          ...result.differences.map((d) => `Accepted with --force: ${d}`),
          `Recorded migrations ${formatVersion(result.recorded[0])} to ${
            formatVersion(version)
          } as applied ` +
          `to ${target.path}, without running them.`,
        ].join("\n"),
    );
  });
}

/** `squash --to N [--reference a,b] [--archive-dir DIR]`: collapses migrations into one baseline file. */
export async function runSquash(c: CommandContext): Promise<void> {
  const raw = c.flags.to;
  if (raw === undefined) {
    throw new UsageError("squash needs --to N: the last version to squash.", "--to");
  }
  const toVersion = parseWholeNumber(String(raw), "--to", 2);
  const referenceTables = String(c.flags.reference ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  const dir = migrationsDirectory(c);
  const archiveDir = c.flags["archive-dir"] as string | undefined;
  const task = c.flags.dir === undefined && archiveDir === undefined ? "deno task squash" : undefined;
  requireAccess(dir, ["read", "write"], { flag: "--dir", what: "the migrations directory", task });
  if (archiveDir !== undefined) {
    requireAccess(resolve(archiveDir), ["write"], { flag: "--archive-dir", what: "the archive directory" });
  }
  const result = await squashDirectory(dir, { toVersion, referenceTables, archiveDir });
  print(
    c,
    result,
    () =>
      `Wrote ${result.file}, which creates in one step what migrations up to ${
        formatVersion(toVersion)
      } did; moved ${result.archived.length} files to ${
        result.archived[0] ? dirOf(result.archived[0].to) : "the archive"
      }.`,
  );
}

function dirOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")));
}

/** `verify [--from N]`: applies, rolls back and reapplies each migration in memory; exit 4 when one does not round-trip. */
export async function runVerify(c: CommandContext): Promise<number> {
  const from = c.flags.from === undefined ? undefined : parseWholeNumber(String(c.flags.from), "--from", 1);
  const migrations = await loadMigrations(c.flags.dir as string | undefined ?? "./migrations");
  const report = await verifyMigrations(migrations, {
    from,
    historyTable: c.flags.table as string | undefined,
  });
  const range = report.verified.length === 0
    ? "no migrations"
    : report.verified.length === 1
    ? `migration ${formatVersion(report.verified[0])}`
    : `migrations ${formatVersion(report.verified[0])} to ${formatVersion(report.verified.at(-1)!)}`;
  const failing = new Set(report.problems.map((p) => p.version)).size;
  print(
    c,
    { ok: report.problems.length === 0, ...report },
    () =>
      report.problems.length === 0
        ? `Verified ${range} on an in-memory database: each one's down restores the schema and the rows ` +
          `before it, and it applies again after.`
        : [
          `${failing} of ${report.verified.length} migrations checked (${range}) do not round-trip:`,
          ...report.problems.map((p) => `- ${p.message}`),
        ].join("\n"),
  );
  return report.problems.length === 0 ? EXIT.ok : EXIT.drift;
}

/**
 * `new "description" --from FILE [--rename A=B,...]`: writes the migration from the schema the
 * migrations produce to FILE's, after its proof, or says that nothing differs.
 */
export async function runNewFromSchema(c: CommandContext, description: string): Promise<void> {
  if (c.flags.from === undefined) {
    throw new UsageError("--rename goes with --from FILE, the schema to migrate to.", "--rename");
  }
  const rename = parseRenames(c.flags.rename as string | undefined);
  const from = String(c.flags.from);
  const written = await writeSchemaMigration(description, {
    dir: c.flags.dir as string | undefined,
    from,
    rename,
  });
  print(c, written, function* () {
    if (written.path === null) {
      yield `${from} has the schema the migrations produce; nothing was written.`;
      return;
    }
    yield `Wrote ${written.path} (version ${
      formatVersion(written.version)
    }). Before writing it, strata ran it ` +
      `on a database with rows in every table: up gives exactly the schema of ${from}, down the one before.`;
    const changes = [
      ...written.up.map((change) => `  up: ${change.message}`),
      ...written.down.map((change) => `  down: ${change.message}`),
    ];
    if (changes.length > 0) {
      yield "Steps that drop or change data, or fail on some rows (marked in the file; read them before you apply it):";
      yield* changes;
    }
    if (written.emptyTables.length > 0) {
      yield `The proof ran with ${
        written.emptyTables.join(", ")
      } empty: no sample row fitted their constraints.`;
    }
  });
}

/** The renames of `--rename users.name=full_name,teams=groups`. */
function parseRenames(raw: string | undefined): Record<string, string> {
  const rename: Record<string, string> = {};
  for (const pair of (raw ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
    const [from, to, extra] = pair.split("=").map((side) => side.trim());
    if (!from || !to || extra !== undefined || from.endsWith(".") || from.startsWith(".")) {
      throw new UsageError(
        `--rename takes old=new pairs separated by commas: users.name=full_name renames a column, ` +
          `teams=groups a table; got "${pair}".`,
        "--rename",
      );
    }
    rename[from] = to;
  }
  return rename;
}
