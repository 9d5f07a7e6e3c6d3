/**
 * The command line as a module: run it from code with {@link main} (the exit codes are
 * {@link EXIT}), or write the next numbered migration file with {@link createMigration}, which
 * `deno task new` runs. `deno run … src/cli/main.ts` runs the command line itself.
 *
 * @example Run `status` and read its exit code
 * ```ts
 * import { EXIT, main } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), color: false };
 * assert.equal(await main(["status", "--db", ":memory:", "--dir", "./migrations"], io), EXIT.ok);
 * ```
 *
 * @module
 */
export { type CliIo, EXIT, main } from "./main.ts";
export type { Terminal } from "./report.ts";
export { createMigration } from "./generator.ts";
export type { CreatedMigration, CreateMigrationOptions } from "./generator.ts";
