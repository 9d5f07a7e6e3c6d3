/**
 * What the CLI may touch, checked before it touches anything. Deno lets a program use only the files
 * and hosts its `--allow-*` flags name, and the tasks in deno.json name what the default layout needs
 * (`./migrations`, `./data`). A path or server outside them is refused here, naming the CLI flag it
 * came from and the Deno flag (or the task) that grants it, before anything is written: Deno's own
 * error would name neither, and would come half way through.
 *
 * @module
 */
import { InvalidInputError } from "../shared/errors.ts";

/** A file access Deno checks. */
type Access = "read" | "write";

/** Where a path comes from, for the message. */
interface PathOrigin {
  /** The CLI flag or variable that sets it: `--db`, `DATABASE_URL`, `--dir`. */
  flag: string;
  /** What the path is: "the database", "the migrations directory". */
  what: string;
  /**
   * What to add to the flags: the path itself, or the directory around it (a database's, where
   * strata keeps its cache and backups). @default the path
   */
  scope?: string;
  /** A deno.json task that may, to suggest instead: `deno task new`. */
  task?: string;
}

/**
 * Refuses a path this run may not use as `access` says.
 *
 * @throws {InvalidInputError} naming the flag the path came from and the `--allow-*` flags to add.
 */
export function requireAccess(path: string, access: readonly Access[], origin: PathOrigin): void {
  const missing = access.filter((name) => Deno.permissions.querySync({ name, path }).state !== "granted");
  if (missing.length === 0) return;
  const flags = missing.map((name) => `--allow-${name}=${origin.scope ?? path}`).join(" and ");
  const remedy = origin.task
    ? `Run it with \`${origin.task}\`, which may, or add ${flags} to the deno run flags.`
    : `Add ${flags} to the deno run flags (the task in deno.json, or your own command).`;
  throw new InvalidInputError(
    `This run may not ${missing.join(" or ")} ${origin.what} ${path} (${origin.flag}): Deno lets a program ` +
      `use only the files its --allow-read and --allow-write flags name. ${remedy} Nothing was changed.`,
    origin.flag,
  );
}

/**
 * Refuses a server this run may not connect to.
 *
 * @throws {InvalidInputError} naming the flag the URL came from, and the task that may.
 */
export function requireNet(url: string, flag: string): void {
  const { host } = new URL(url);
  if (Deno.permissions.querySync({ name: "net", host }).state === "granted") return;
  throw new InvalidInputError(
    `This run may not connect to ${host}, the libSQL server of ${flag}: it has no network access. Run it ` +
      `with \`deno task migrate:remote\`, which may, or add --allow-net=${host} to the deno run flags. ` +
      `Nothing was changed.`,
    flag,
  );
}

/**
 * An environment variable, refused when this run may not read it: ignoring it would quietly pick
 * another database than the one it names.
 *
 * @param instead The flag that makes the variable unnecessary, for the message.
 * @throws {InvalidInputError} naming the variable and the `--allow-env` flag to add.
 */
export function readEnv(name: string, instead: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    throw new InvalidInputError(
      `This run may not read the environment variable ${name}: add --allow-env=${name} to the deno run ` +
        `flags, or give ${instead}. Nothing was changed.`,
      name,
    );
  }
  return Deno.env.get(name);
}

/** Whether an error, or one of its causes, is Deno refusing a permission the run was not given. */
export function isPermissionRefusal(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof Deno.errors.NotCapable) return true;
  }
  return false;
}
