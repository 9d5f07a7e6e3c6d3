import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  basename,
  dirname,
  extname,
  isAbsolute,
  join,
  type PathFunctions,
  posix,
  relative,
  resolve,
  win32,
} from "../../src/shared/paths.ts";

/** Paths of every shape the callers can meet: relative, absolute, `.`, `..`, repeated and trailing slashes. */
const SHAPES: readonly string[] = [
  "",
  ".",
  "..",
  "./",
  "../",
  "/",
  "//",
  "///",
  "a",
  "a/",
  "a//",
  "/a",
  "///a",
  "a/b",
  "a//b",
  "a/b/",
  "/a/b/",
  "a/./b",
  "a/../b",
  "a/..",
  "a/../",
  "../a",
  "../../a/b",
  "/..",
  "/../a",
  "/a/../..",
  "./a/./b/.",
  "a/b/../../..",
  "a/.",
  ".env",
  "a/.env",
  "app.db",
  "data/app.db",
  "data/app.db/",
  "data/app.v2.db",
  "migrations/001_init.sql",
  "a.b.c",
  "a..",
  "..a",
  "...",
  ".a.",
];

/** The same shapes with Windows separators, and the roots only Windows has: drives and shares. */
const WINDOWS_SHAPES: readonly string[] = [
  ...SHAPES,
  ...SHAPES.map((path) => path.replaceAll("/", "\\")),
  "a\\b/c",
  "C:",
  "C:\\",
  "C:/",
  "c:\\a",
  "C:a",
  "C:a\\b",
  "C:..\\a",
  "C:\\a\\..\\..",
  "C:\\Users\\me\\app.db",
  "c:/Users/Me/data/",
  "D:\\x",
  "\\a",
  "\\\\server",
  "\\\\server\\share",
  "\\\\server\\share\\",
  "\\\\server\\share\\a\\b",
  "//server/share/a",
  "\\\\server\\\\share\\a",
  "\\\\\\a",
];

/** Absolute Windows paths to resolve against, since the working directory here is a POSIX path. */
const WINDOWS_BASES: readonly string[] = [
  "C:\\work",
  "c:\\WORK\\a\\",
  "C:\\",
  "D:\\x\\y",
  "\\\\server\\share\\a",
  "\\\\SERVER\\Share",
  "\\\\other\\share\\a",
];

const DRIVE_RELATIVE = /^[A-Za-z]:(?![\\/])/;

function pairs(left: readonly string[], right: readonly string[] = left): [string, string][] {
  return left.flatMap((a) => right.map((b): [string, string] => [a, b]));
}

/** Each case where `actual` and `expected` differ, as a line that says which; none when they agree. */
function differences<A extends unknown[]>(
  cases: readonly A[],
  actual: (...args: A) => unknown,
  expected: (...args: A) => unknown,
): string[] {
  return cases.flatMap((args) => {
    const [got, want] = [actual(...args), expected(...args)];
    return got === want
      ? []
      : [`${JSON.stringify(args)}: got ${JSON.stringify(got)}, node:path ${JSON.stringify(want)}`];
  });
}

const RULES: readonly [string, PathFunctions, typeof nodePath.posix, readonly string[]][] = [
  ["POSIX", posix, nodePath.posix, SHAPES],
  ["Windows", win32, nodePath.win32, WINDOWS_SHAPES],
];

for (const [name, mine, node, shapes] of RULES) {
  Deno.test(`${name} rules: isAbsolute(), dirname(), basename() and extname() agree with node:path`, () => {
    const single = shapes.map((path): [string] => [path]);
    assert.deepEqual(differences(single, mine.isAbsolute, node.isAbsolute), []);
    assert.deepEqual(differences(single, mine.dirname, node.dirname), []);
    assert.deepEqual(differences(single, (path) => mine.basename(path), (path) => node.basename(path)), []);
    assert.deepEqual(differences(single, mine.extname, node.extname), []);
  });

  Deno.test(`${name} rules: basename() drops the extension as node:path does`, () => {
    const withExtension = shapes.map((path): [string, string] => [path, node.extname(path)]);
    const names = ["app.db", "data/app.db", "data/app.db/", "a.b.c", ".env", "app"];
    const suffixes = pairs(names, [".db", "db", ".c", "p", "b.c"]);
    assert.deepEqual(differences([...withExtension, ...suffixes], mine.basename, node.basename), []);
  });

  Deno.test(`${name} rules: join() agrees with node:path for every pair of paths`, () => {
    // node:path puts .\ before any relative result with a colon; join() only where it would start a drive.
    const right = shapes.filter((path) => !path.includes(":"));
    assert.deepEqual(differences(pairs(shapes, right), mine.join, node.join), []);
    assert.deepEqual(
      differences(shapes.map((path): [string, string, string] => [path, "..", "a/"]), mine.join, node.join),
      [],
    );
    assert.equal(mine.join(), node.join());
  });
}

Deno.test("POSIX rules: resolve() and relative() agree with node:path, against the working directory too", () => {
  const bases = ["/work", "/", "/a/b/", "/work/../x"];
  assert.deepEqual(differences(pairs(bases, SHAPES), posix.resolve, nodePath.posix.resolve), []);
  assert.deepEqual(differences(pairs(bases, SHAPES), posix.relative, nodePath.posix.relative), []);
  if (Deno.build.os !== "windows") {
    assert.deepEqual(
      differences(SHAPES.map((path): [string] => [path]), posix.resolve, nodePath.posix.resolve),
      [],
    );
    assert.deepEqual(differences(pairs(SHAPES), posix.relative, nodePath.posix.relative), []);
  }
});

Deno.test("Windows rules: resolve() agrees with node:path on drives, shares and both separators", () => {
  const onDriveC = pairs(WINDOWS_BASES.filter((base) => /^c:/i.test(base)), WINDOWS_SHAPES);
  // A path relative to another drive (C:a from D:\x) would take node:path to this POSIX working directory.
  const elsewhere = pairs(
    WINDOWS_BASES.filter((base) => !/^c:/i.test(base)),
    WINDOWS_SHAPES.filter((path) => !DRIVE_RELATIVE.test(path)),
  );
  assert.deepEqual(differences([...onDriveC, ...elsewhere], win32.resolve, nodePath.win32.resolve), []);
  assert.deepEqual(
    differences(
      WINDOWS_BASES.map((base): [string, string, string] => [base, "..", "a\\"]),
      win32.resolve,
      nodePath.win32.resolve,
    ),
    [],
  );
});

Deno.test("Windows rules: relative() agrees with node:path, ignoring case, across drives and shares", () => {
  const targets = pairs(WINDOWS_BASES, ["", ".", "..", "a", "A\\b", "..\\..", "b\\c\\", "x/y"])
    .map(([base, path]) => win32.join(base, path));
  assert.deepEqual(differences(pairs(WINDOWS_BASES, targets), win32.relative, nodePath.win32.relative), []);
});

Deno.test("Windows rules: a relative path never turns into a drive", () => {
  assert.equal(win32.join(".", "C:x"), ".\\C:x");
  assert.equal(win32.join("a", "..", "C:\\x"), ".\\C:\\x");
  assert.equal(win32.join("a", "..", "C:\\x"), nodePath.win32.join("a", "..", "C:\\x"));
  assert.ok(!win32.isAbsolute(win32.join(".", "C:\\x")));
});

Deno.test("where node:path is odd, the path functions do the plain thing", () => {
  assert.equal(nodePath.posix.dirname("//a"), "//");
  assert.equal(posix.dirname("//a"), "/");
  assert.equal(nodePath.posix.basename("app.db", "app.db"), "");
  assert.equal(posix.basename("app.db", "app.db"), "app.db");
  assert.equal(nodePath.win32.relative("\\\\server\\one\\a", "\\\\server\\two\\b"), "..\\..\\two\\b");
  assert.equal(win32.relative("\\\\server\\one\\a", "\\\\server\\two\\b"), "\\\\server\\two\\b");
  // The same relative path either way; node:path marks it with .\ for the colon.
  assert.equal(nodePath.win32.join("a", "C:\\x"), ".\\a\\C:\\x");
  assert.equal(win32.join("a", "C:\\x"), "a\\C:\\x");
  // Relative to another drive: from its root, as node:path does when that drive has no working directory.
  assert.equal(win32.resolve("D:\\x", "C:a"), "C:\\a");
});

Deno.test("the exported path functions follow this platform's rules, as node:path's do", () => {
  const rules = Deno.build.os === "windows" ? win32 : posix;
  for (const path of SHAPES) {
    assert.equal(join("data", path), rules.join("data", path));
    assert.equal(resolve(path), nodePath.resolve(path));
    assert.equal(relative(path, "data/app.db"), nodePath.relative(path, "data/app.db"));
    assert.equal(isAbsolute(path), nodePath.isAbsolute(path));
    assert.equal(dirname(path), rules.dirname(path));
    assert.equal(basename(path, ".db"), rules.basename(path, ".db"));
    assert.equal(extname(path), nodePath.extname(path));
  }
});
