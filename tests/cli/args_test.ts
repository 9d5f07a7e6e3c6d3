/**
 * The argument parser, and the messages the CLI makes of its problems.
 */
import assert from "node:assert/strict";
import { type ArgsProblem, parseArgs, type ParsedArgs } from "../../src/cli/args.ts";
import { main } from "../../src/cli/main.ts";

const KNOWN = {
  db: { type: "string" },
  out: { type: "string" },
  steps: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
  force: { type: "boolean" },
} as const;
type Flag = keyof typeof KNOWN;

/** Parses `argv` for a command that accepts every known flag but `force`. */
function parse(argv: string[]): ParsedArgs<Flag> | ArgsProblem {
  return parseArgs(argv, { known: KNOWN, accepted: ["db", "out", "steps", "json", "help"] });
}

Deno.test("parseArgs() reads booleans, --name value, --name=value and positionals, in any order", () => {
  assert.deepEqual(parse(["a", "--json", "--db", "app.db", "b", "--steps=2"]), {
    flags: { json: true, db: "app.db", steps: "2" },
    positionals: ["a", "b"],
  });
});

Deno.test("parseArgs() returns no flags and no positionals for an empty command line", () => {
  assert.deepEqual(parse([]), { flags: {}, positionals: [] });
});

Deno.test("parseArgs() keeps everything after the first = as the value, even nothing", () => {
  assert.deepEqual(parse(["--db=file:a.db?mode=ro"]), {
    flags: { db: "file:a.db?mode=ro" },
    positionals: [],
  });
  assert.deepEqual(parse(["--db="]), { flags: { db: "" }, positionals: [] });
});

Deno.test("parseArgs() takes a negative number as a value, for validation to report", () => {
  assert.deepEqual(parse(["--steps", "-1"]), { flags: { steps: "-1" }, positionals: [] });
  assert.deepEqual(parse(["--steps", "-2.5"]), { flags: { steps: "-2.5" }, positionals: [] });
  assert.deepEqual(parse(["--steps=-1"]), { flags: { steps: "-1" }, positionals: [] });
});

Deno.test("parseArgs() takes - as a value and as a positional", () => {
  assert.deepEqual(parse(["--out", "-", "-"]), { flags: { out: "-" }, positionals: ["-"] });
});

Deno.test("parseArgs() takes a negative number alone as a positional, not a flag", () => {
  assert.deepEqual(parse(["-1"]), { flags: {}, positionals: ["-1"] });
});

Deno.test("parseArgs() ends flags at --: what follows is positional, even flags and a second --", () => {
  assert.deepEqual(parse(["--json", "--", "--db", "x", "--", "-h"]), {
    flags: { json: true },
    positionals: ["--db", "x", "--", "-h"],
  });
});

Deno.test("parseArgs() keeps the last value of a repeated flag", () => {
  assert.deepEqual(
    parse(["--db", "a.db", "--db=b.db", "--db", "c.db", "--steps=1", "--steps=2", "--json", "--json"]),
    {
      flags: { db: "c.db", steps: "2", json: true },
      positionals: [],
    },
  );
});

Deno.test("parseArgs() refuses an unknown flag, naming it as written", () => {
  assert.deepEqual(parse(["--bogus"]), { kind: "unknown", flag: "--bogus" });
  assert.deepEqual(parse(["--bogus=1"]), { kind: "unknown", flag: "--bogus" });
  assert.deepEqual(parse(["---json"]), { kind: "unknown", flag: "---json" });
  assert.deepEqual(parse(["--no-json"]), { kind: "unknown", flag: "--no-json" });
});

Deno.test("parseArgs() has no short flags: -h, -json and -xjson are unknown", () => {
  assert.deepEqual(parse(["-h"]), { kind: "unknown", flag: "-h" });
  assert.deepEqual(parse(["-json"]), { kind: "unknown", flag: "-json" });
  assert.deepEqual(parse(["-xjson"]), { kind: "unknown", flag: "-xjson" });
});

Deno.test("parseArgs() does not take names of Object's properties for flags", () => {
  assert.deepEqual(parse(["--constructor"]), { kind: "unknown", flag: "--constructor" });
  assert.deepEqual(parse(["--__proto__=x"]), { kind: "unknown", flag: "--__proto__" });
});

Deno.test("parseArgs() refuses a known flag the command does not accept", () => {
  assert.deepEqual(parse(["--force"]), { kind: "not-accepted", flag: "--force" });
  assert.deepEqual(parse(["--json", "--force=1"]), { kind: "not-accepted", flag: "--force" });
});

Deno.test("parseArgs() refuses a string flag without its value: last, before a flag, before --", () => {
  assert.deepEqual(parse(["--steps"]), { kind: "missing-value", flag: "--steps" });
  assert.deepEqual(parse(["--db", "--json"]), { kind: "missing-value", flag: "--db" });
  assert.deepEqual(parse(["--db", "-x"]), { kind: "missing-value", flag: "--db" });
  assert.deepEqual(parse(["--db", "--"]), { kind: "missing-value", flag: "--db" });
});

Deno.test("parseArgs() refuses a value given to a boolean flag, even an empty one", () => {
  assert.deepEqual(parse(["--json=yes"]), { kind: "unexpected-value", flag: "--json" });
  assert.deepEqual(parse(["--json="]), { kind: "unexpected-value", flag: "--json" });
});

Deno.test("parseArgs() reports the first problem of several", () => {
  assert.deepEqual(parse(["--force", "--bogus"]), { kind: "not-accepted", flag: "--force" });
});

/** Runs the CLI in this process; returns its exit code and what it wrote to stderr. */
async function runMain(argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await main(
    argv,
    { out: () => {}, err: (line) => err.push(line), color: false },
    () => undefined,
  );
  return { code, err: err.join("\n") };
}

for (
  const [argv, message] of [
    [
      ["status", "--foo"],
      'error: Invalid arguments for "status": unknown flag --foo. Run "status --help" for its flags.',
    ],
    [
      ["stauts"],
      'error: Unknown command "stauts". Did you mean status? Run "help" for every command.',
    ],
    [
      ["status", "--jsn"],
      'error: Invalid arguments for "status": unknown flag --jsn (did you mean --json?). Run "status --help" for its flags.',
    ],
    [
      ["rollback", "--stpes", "2"],
      'error: Invalid arguments for "rollback": unknown flag --stpes (did you mean --steps?). Run "rollback --help" for its flags.',
    ],
    [
      ["frobnicate"],
      'error: Unknown command "frobnicate". Commands: up, status, rollback, validate, accept, mark, check, dump, baseline, squash, verify, new. Run "help" for usage.',
    ],
    [
      ["status", "-h"],
      'error: Invalid arguments for "status": unknown flag -h. Run "status --help" for its flags.',
    ],
    [
      ["status", "--steps", "1"],
      'error: Invalid arguments for "status": --steps does not apply to "status". Run "status --help" for its flags.',
    ],
    [
      ["rollback", "--steps"],
      'error: Invalid arguments for "rollback": --steps needs a value. Run "rollback --help" for its flags.',
    ],
    [
      ["status", "--json=yes"],
      'error: Invalid arguments for "status": --json takes no value. Run "status --help" for its flags.',
    ],
    [
      ["rollback", "--steps", "-1"],
      'error: --steps must be a whole number of 1 or more; got "-1".',
    ],
    [
      ["mark", "-1", "--applied"],
      'error: VERSION must be a whole number of 1 or more; got "-1".',
    ],
    [
      ["status", "--", "--json"],
      'error: Unexpected argument "--json" for "status". Usage: status [--json] [--exit-code]',
    ],
  ] as const
) {
  Deno.test(`the CLI refuses "${argv.join(" ")}" with exit 2 and a message naming the argument`, async () => {
    assert.deepEqual(await runMain([...argv]), { code: 2, err: message });
  });
}
