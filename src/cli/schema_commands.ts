/**
 * The CLI's schema tools: `check` (drift), `dump` (schema.sql), `baseline` and `squash`, and the
 * schema file `up --dump` writes. Loaded only when one of them runs, so the common commands start
 * without the schema modules.
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
import { checkDrift } from "../schema/drift.ts";
import { InvalidInputError } from "../shared/errors.ts";
import { EXIT, UsageError } from "./exit_codes.ts";
import { resolve } from "../shared/paths.ts";
import { formatVersion } from "../shared/format.ts";
import { readSchema } from "../schema/read_schema.ts";
import { dumpSchema } from "../schema/dump.ts";
import { squashDirectory } from "../schema/squash.ts";

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
    const { baseline } = await import("../schema/baseline.ts");
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
