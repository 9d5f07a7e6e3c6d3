/**
 * Paths: joining, resolving and taking apart file paths by the platform's rules, conversions between
 * `file:` URLs and paths, and whether a file exists. Here instead of `node:path`, `node:url` and
 * `node:fs` because importing any Node polyfill makes Deno start its Node compatibility layer, a cost
 * in time and memory paid at every start of every app that migrates on start-up.
 *
 * The path functions behave as `node:path`'s do on the same platform: POSIX rules, or on Windows
 * both separators, drive letters (`C:\`, and `C:` relative to that drive) and UNC shares
 * (`\\server\share\`). A few quirks of `node:path` are not copied (tests/shared/paths_test.ts shows them):
 * `dirname("//a")` is `/`, not `//`; `basename("a.db", "a.db")` is `a.db`, not `""`; `relative()`
 * between two shares of one server gives the target, not a `..\..\` path no share can follow; and a
 * relative result gets `.\` in front only when it would otherwise start with a drive (`.\C:x`).
 *
 * @module
 */

const WINDOWS = Deno.build.os === "windows";

/** The path functions of one platform's rules: {@link posix}, {@link win32}. */
export interface PathFunctions {
  /** Joins paths with the separator and normalises the result (`.` and `..` resolved, a trailing separator kept). */
  join(...paths: string[]): string;
  /** The absolute, normalised path of the paths taken right to left, the working directory last. */
  resolve(...paths: string[]): string;
  /** Whether a path is absolute (on Windows: starts with a separator, or a drive letter and one). */
  isAbsolute(path: string): boolean;
  /** The path without its last name (and any separators after it); `.` when nothing is left. */
  dirname(path: string): string;
  /** The last name of a path, without a trailing `suffix` unless that is all of it. */
  basename(path: string, suffix?: string): string;
  /** The extension of the last name, from its last `.` (`""` when it has none, or only a leading one). */
  extname(path: string): string;
  /** The relative path from one path to another, both resolved first; `""` when they are the same. */
  relative(from: string, to: string): string;
}

/** What a path starts with: a root, a drive or a share, as far as the rules know them. */
interface Root {
  /** How many characters of the path it takes, separators after it included. */
  readonly length: number;
  /** The drive (`C:`) or share (`\\server\share`), normalised; `""` on POSIX or for a bare `\`. */
  readonly device: string;
  /** Whether the path is absolute from here (a drive alone, `C:`, is not). */
  readonly absolute: boolean;
}

/** What tells one platform's paths from another's. */
interface Rules {
  readonly sep: "/" | "\\";
  readonly separators: RegExp;
  /** Whether paths can start with a drive or share, which `resolve()` keeps looking for. */
  readonly devices: boolean;
  isSeparator(char: string | undefined): boolean;
  root(path: string): Root;
  /** Characters at the start that are no part of any name (a drive letter and its colon). */
  drive(path: string): number;
  sameName(a: string, b: string): boolean;
}

const NO_ROOT: Root = { length: 0, device: "", absolute: false };

const POSIX_RULES: Rules = {
  sep: "/",
  separators: /\/+/,
  devices: false,
  isSeparator: (char) => char === "/",
  root: (path) => path.startsWith("/") ? { length: 1, device: "", absolute: true } : NO_ROOT,
  drive: () => 0,
  sameName: (a, b) => a === b,
};

const UNC_ROOT = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)[\\/]?/;
const DRIVE = /^[A-Za-z]:/;

const isWin32Separator = (char: string | undefined): boolean => char === "\\" || char === "/";

const WIN32_RULES: Rules = {
  sep: "\\",
  separators: /[\\/]+/,
  devices: true,
  isSeparator: isWin32Separator,
  root: (path) => {
    const unc = UNC_ROOT.exec(path);
    if (unc) return { length: unc[0].length, device: `\\\\${unc[1]}\\${unc[2]}`, absolute: true };
    if (DRIVE.test(path)) {
      const absolute = isWin32Separator(path[2]);
      return { length: absolute ? 3 : 2, device: path.slice(0, 2), absolute };
    }
    return isWin32Separator(path[0]) ? { length: 1, device: "", absolute: true } : NO_ROOT;
  },
  drive: (path) => DRIVE.test(path) ? 2 : 0,
  sameName: (a, b) => a.toLowerCase() === b.toLowerCase(),
};

/** The names of a path after its root, with `.` dropped and `..` taking out the name before it. */
function normalNames(rules: Rules, rest: string, absolute: boolean): string[] {
  const names: string[] = [];
  for (const name of rest.split(rules.separators)) {
    if (name === "" || name === ".") continue;
    if (name === ".." && names.length > 0 && names.at(-1) !== "..") names.pop();
    else if (name !== ".." || !absolute) names.push(name);
  }
  return names;
}

function normalizeIn(rules: Rules, path: string): string {
  if (path === "") return ".";
  const root = rules.root(path);
  let tail = normalNames(rules, path.slice(root.length), root.absolute).join(rules.sep);
  if (tail === "" && !root.absolute) tail = ".";
  if (tail !== "" && rules.isSeparator(path.at(-1))) tail += rules.sep;
  // A relative path stays relative: a\..\C:x is .\C:x, not C:x on drive C.
  if (root.length === 0 && rules.root(tail).device !== "") tail = `.${rules.sep}${tail}`;
  return root.absolute ? `${root.device}${rules.sep}${tail}` : `${root.device}${tail}`;
}

function joinIn(rules: Rules, paths: readonly string[]): string {
  const parts = paths.filter((path) => path !== "");
  if (parts.length === 0) return ".";
  let joined = parts.join(rules.sep);
  // Two separators start a share only when the first part starts with them: ("/", "/a", "b") is \a\b.
  const [first] = parts;
  const share = rules.isSeparator(first[0]) && rules.isSeparator(first[1]) && first.length > 2 &&
    !rules.isSeparator(first[2]);
  if (!share) {
    let start = 0;
    while (rules.isSeparator(joined[start])) start++;
    if (start > 1) joined = `${rules.sep}${joined.slice(start)}`;
  }
  return normalizeIn(rules, joined);
}

function resolveIn(rules: Rules, paths: readonly string[]): string {
  let device = "";
  let tail = "";
  let absolute = false;
  for (let i = paths.length - 1; i >= -1; i--) {
    let path: string;
    if (i >= 0) path = paths[i];
    else if (device === "") path = Deno.cwd();
    else {
      // A path on another drive, relative to it (`D:a`): from that drive's root, as node:path does
      // when it cannot see the drive's own working directory.
      const current = Deno.cwd();
      path = rules.sameName(rules.root(current).device, device) ? current : `${device}${rules.sep}`;
    }
    if (path === "") continue;
    const root = rules.root(path);
    if (root.device !== "") {
      if (device === "") device = root.device;
      else if (!rules.sameName(root.device, device)) continue;
    }
    if (!absolute) {
      tail = `${path.slice(root.length)}${rules.sep}${tail}`;
      absolute = root.absolute;
    }
    // On Windows an absolute path without a drive (`\a`) still takes the drive from further left.
    if (absolute && (device !== "" || !rules.devices)) break;
  }
  const names = normalNames(rules, tail, absolute).join(rules.sep);
  return absolute ? `${device}${rules.sep}${names}` : `${device}${names}` || ".";
}

function relativeIn(rules: Rules, from: string, to: string): string {
  if (from === to) return "";
  const fromPath = resolveIn(rules, [from]);
  const toPath = resolveIn(rules, [to]);
  const fromRoot = rules.root(fromPath);
  const toRoot = rules.root(toPath);
  if (!rules.sameName(fromRoot.device, toRoot.device)) return toPath;
  const fromNames = normalNames(rules, fromPath.slice(fromRoot.length), true);
  const toNames = normalNames(rules, toPath.slice(toRoot.length), true);
  let common = 0;
  while (
    common < fromNames.length && common < toNames.length && rules.sameName(fromNames[common], toNames[common])
  ) common++;
  const up: string[] = Array(fromNames.length - common).fill("..");
  return [...up, ...toNames.slice(common)].join(rules.sep);
}

function dirnameIn(rules: Rules, path: string): string {
  if (path === "") return ".";
  const root = rules.root(path).length;
  let end = path.length;
  while (end > root && rules.isSeparator(path[end - 1])) end--;
  while (end > root && !rules.isSeparator(path[end - 1])) end--;
  if (end === root) return root > 0 ? path.slice(0, root) : ".";
  // Only the separator before the last name goes: dirname("a//b") is "a/", as in node:path.
  return path.slice(0, end - 1);
}

function basenameIn(rules: Rules, path: string, suffix = ""): string {
  const start = rules.drive(path);
  let end = path.length;
  while (end > start && rules.isSeparator(path[end - 1])) end--;
  let begin = end;
  while (begin > start && !rules.isSeparator(path[begin - 1])) begin--;
  const base = path.slice(begin, end);
  return suffix !== "" && base !== suffix && base.endsWith(suffix) ? base.slice(0, -suffix.length) : base;
}

function extnameIn(rules: Rules, path: string): string {
  const base = basenameIn(rules, path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 || base === ".." ? "" : base.slice(dot);
}

function pathFunctions(rules: Rules): PathFunctions {
  return {
    join: (...paths) => joinIn(rules, paths),
    resolve: (...paths) => resolveIn(rules, paths),
    isAbsolute: (path) => rules.root(path).absolute,
    dirname: (path) => dirnameIn(rules, path),
    basename: (path, suffix) => basenameIn(rules, path, suffix),
    extname: (path) => extnameIn(rules, path),
    relative: (from, to) => relativeIn(rules, from, to),
  };
}

/** The path functions by POSIX rules (Linux, macOS), whatever the platform. */
export const posix: PathFunctions = pathFunctions(POSIX_RULES);

/** The path functions by Windows rules, whatever the platform. */
export const win32: PathFunctions = pathFunctions(WIN32_RULES);

const platform: PathFunctions = WINDOWS ? win32 : posix;

/**
 * Joins paths with the platform's separator and normalises the result: `.` and `..` resolved,
 * repeated separators collapsed, a trailing separator kept. Empty parts are skipped; no part gives `.`.
 *
 * @example
 * ```ts
 * import { join } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(join("migrations", "..", "app.db"), "app.db");
 * ```
 */
export function join(...paths: string[]): string {
  return platform.join(...paths);
}

/**
 * The absolute, normalised path of `paths` taken right to left until one is absolute, then against
 * the working directory.
 *
 * @example
 * ```ts
 * import { join, resolve } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolve("data", "./app.db"), join(Deno.cwd(), "data", "app.db"));
 * ```
 */
export function resolve(...paths: string[]): string {
  return platform.resolve(...paths);
}

/**
 * Whether a path is absolute: it starts with `/`, or on Windows with a separator or a drive letter
 * and a separator (`C:\`; `C:data` is relative to that drive's working directory).
 *
 * @example
 * ```ts
 * import { isAbsolute } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isAbsolute(Deno.cwd()));
 * assert.ok(!isAbsolute("./migrations"));
 * ```
 */
export function isAbsolute(path: string): boolean {
  return platform.isAbsolute(path);
}

/**
 * The directory part of a path: everything before its last name, trailing separators ignored; the
 * root for a root, `.` for a path with one relative name.
 *
 * @example
 * ```ts
 * import { dirname } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(dirname("data/app.db"), "data");
 * assert.equal(dirname("app.db"), ".");
 * ```
 */
export function dirname(path: string): string {
  return platform.dirname(path);
}

/**
 * The last name of a path, trailing separators ignored, without `suffix` when it ends with it and
 * is more than it.
 *
 * @example
 * ```ts
 * import { basename } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(basename("data/app.db"), "app.db");
 * assert.equal(basename("data/app.db", ".db"), "app");
 * ```
 */
export function basename(path: string, suffix?: string): string {
  return platform.basename(path, suffix);
}

/**
 * The extension of a path's last name, from its last `.`: `""` when there is none or the name only
 * starts with one (`.env`).
 *
 * @example
 * ```ts
 * import { extname } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(extname("data/app.db"), ".db");
 * assert.equal(extname("data/.env"), "");
 * ```
 */
export function extname(path: string): string {
  return platform.extname(path);
}

/**
 * The relative path from `from` to `to`, both resolved against the working directory first: `""`
 * when they are the same, and `to` resolved when they are on different drives or shares.
 *
 * @example
 * ```ts
 * import { join, relative } from "./paths.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(relative("migrations", "migrations/archive"), "archive");
 * assert.equal(relative("migrations/archive", "src"), join("..", "..", "src"));
 * ```
 */
export function relative(from: string, to: string): string {
  return platform.relative(from, to);
}

/** The path of a `file:` URL. */
export function fromFileUrl(url: URL | string): string {
  const { pathname, hostname } = new URL(url);
  const path = decodeURIComponent(pathname);
  if (!WINDOWS) return path;
  const local = path.replace(/^\/([A-Za-z]:)/, "$1").replaceAll("/", "\\");
  return hostname ? `\\\\${hostname}${local}` : local;
}

/** The `file:` URL of a path (relative paths are resolved against the working directory). */
export function toFileUrl(path: string): URL {
  const absolute = isAbsolute(path) ? path : resolve(path);
  const slashed = WINDOWS ? `/${absolute.replaceAll("\\", "/")}` : absolute;
  return new URL(`file://${slashed.split("/").map(encodeURIComponent).join("/")}`);
}

/** Whether something exists at a path. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
