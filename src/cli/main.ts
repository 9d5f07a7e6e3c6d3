/**
 * The command line: `deno task migrate [command] [flags]` and `deno task new "description"`.
 *
 * Commands and flags are defined once, in {@link COMMANDS} and {@link FLAGS}: parsing, validation and
 * every `--help` text read those tables. The commands themselves live in `commands.ts`.
 *
 * @module
 */
import { listForMessage } from "../shared/format.ts";
import { parseArgs } from "./args.ts";
import { type CommandContext, type CommandSpec, type FlagName, FLAGS } from "./flags.ts";
import { COMMANDS } from "./commands.ts";
import { EXIT, EXIT_MEANINGS, exitCodeOf, UsageError } from "./exit_codes.ts";
import { isPermissionRefusal, readEnv } from "./permissions.ts";
import { MigrationError, StrataError } from "../shared/errors.ts";
import { nearestName } from "./nearest_name.ts";
import { paint, type Terminal } from "./report.ts";

export { EXIT } from "./exit_codes.ts";

/** Where the CLI writes, and whether it may use colour. */
export interface CliIo extends Terminal {
  /** Writes a line of normal output. */
  out(line: string): void;
  /** Writes a line of error output. */
  err(line: string): void;
  /**
   * Replaces the terminal's current line with `text` (clears it when empty): on a terminal only,
   * undefined where output is a file or a pipe.
   */
  live?(text: string): void;
}

/**
 * Runs the CLI with `argv` (without the program name) and returns the exit code.
 *
 * @param io Where output goes. @default the console, coloured on a terminal unless NO_COLOR is set
 * @param env Reads an environment variable. @default Deno.env.get, refusing a variable the run may not read
 */
export async function main(
  argv: readonly string[],
  io: CliIo = consoleIo(),
  env: (name: string) => string | undefined = (name) => readEnv(name, "--db"),
): Promise<number> {
  let verbose = argv.includes("--verbose");
  try {
    const at = commandIndex(argv);
    const name = at === -1 ? "up" : argv[at];
    if (name === "help" || (at === -1 && (argv.includes("--help") || argv.includes("-h")))) {
      io.out(toolHelp());
      return EXIT.ok;
    }
    const command = COMMANDS[name];
    if (!command) throw unknownCommand(name);
    const rest = at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 1)];
    const { flags, positionals } = parse(name, command, rest);
    verbose = flags.verbose === true;
    if (flags.help) {
      io.out(commandHelp(name, command));
      return EXIT.ok;
    }
    const context: CommandContext = { flags, positionals, env, io };
    return await command.run(context) ?? EXIT.ok;
  } catch (error) {
    io.err(errorReport(error, verbose, io));
    return exitCodeOf(error);
  }
}

/**
 * Where the command name is: the first argument that is neither a flag nor a flag's value, so
 * flags may come before the command (`--db app.db status`). -1 when there is none.
 */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return -1;
    if (!arg.startsWith("-")) return i;
    const flag = FLAGS[arg.replace(/^-+/, "") as FlagName];
    if (flag?.type === "string" && !arg.includes("=")) i++;
  }
  return -1;
}

/** The refusal of a command that does not exist, suggesting the one it most likely meant. */
function unknownCommand(name: string): UsageError {
  const meant = nearestName(name, Object.keys(COMMANDS));
  const next = meant
    ? `Did you mean ${meant}? Run "help" for every command.`
    : `Commands: ${Object.keys(COMMANDS).join(", ")}. Run "help" for usage.`;
  return new UsageError(`Unknown command "${name}". ${next}`, name);
}

/** The flags and positionals of `argv` for `command`, or an error naming the argument at fault. */
function parse(
  name: string,
  command: CommandSpec,
  argv: string[],
): Pick<CommandContext, "flags" | "positionals"> {
  const parsed = parseArgs(argv, { known: FLAGS, accepted: command.flags });
  if ("kind" in parsed) {
    const { kind, flag } = parsed;
    const meant = kind === "unknown" ? nearestName(flag.replace(/^-+/, ""), command.flags) : undefined;
    const problem = {
      unknown: `unknown flag ${flag}${meant ? ` (did you mean --${meant}?)` : ""}`,
      "not-accepted": `${flag} does not apply to "${name}"`,
      "missing-value": `${flag} needs a value`,
      "unexpected-value": `${flag} takes no value`,
    }[kind];
    throw new UsageError(
      `Invalid arguments for "${name}": ${problem}. Run "${name} --help" for its flags.`,
      flag,
    );
  }
  const repeats = command.positionals.at(-1)?.name.endsWith("...") ?? false;
  if (!repeats && parsed.positionals.length > command.positionals.length) {
    const extra = parsed.positionals[command.positionals.length];
    throw new UsageError(
      `Unexpected argument "${extra}" for "${name}". Usage: ${usage(name, command)}`,
      extra,
    );
  }
  return parsed;
}

function usage(name: string, command: CommandSpec): string {
  const positionals = command.positionals.map((p) => p.optional ? `[${p.name}]` : p.name).join(" ");
  return [name, positionals, command.usage].filter(Boolean).join(" ");
}

/** The tool's help, listing every command. */
function toolHelp(): string {
  const width = Math.max(...Object.entries(COMMANDS).map(([name, spec]) => usage(name, spec).length)) + 2;
  return [
    "strata: versioned SQLite migrations.",
    "",
    "Usage: deno task migrate [command] [flags]     (the command defaults to up)",
    '       deno task new "description" [--sql] [--from FILE]',
    "       deno task squash --to N [flags]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${usage(name, spec).padEnd(width)}${spec.summary}`),
    "",
    'Run "<command> --help" for its flags.',
    wrap(`Exit codes: ${exitCodes()}.`, 100),
  ].join("\n");
}

/** The exit codes as the help lists them: `0 success, 1 error, …`. */
function exitCodes(): string {
  return (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((name) => `${EXIT[name]} ${EXIT_MEANINGS[name]}`)
    .join(", ");
}

/** One command's help: usage, what it does, and each flag. */
function commandHelp(name: string, command: CommandSpec): string {
  const rows = command.flags.map((flag) => {
    const spec = FLAGS[flag];
    return [`--${flag}${spec.value ? ` ${spec.value}` : ""}`, spec.help];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  // `new` and `squash` write migration files, which only their own tasks may.
  const invocation = name === "new" || name === "squash"
    ? `deno task ${usage(name, command)}`
    : `deno task migrate ${usage(name, command)}`;
  return [
    `Usage: ${invocation}`,
    "",
    wrap(command.description, 100),
    "",
    "Flags:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ].join("\n");
}

/** Text broken into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join("\n");
}

/**
 * The error paragraph: the message, then with `--verbose` the chain of its causes, each message once
 * (an engine's error and the toolkit's error made of it often say the same), and the stack of a bug.
 */
function errorReport(error: unknown, verbose: boolean, io: CliIo): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`${paint(io, "red", "error:")} ${message}`];
  if (error instanceof MigrationError && error.committed.length > 0) lines.push(keptLine(error));
  if (isPermissionRefusal(error)) {
    lines.push(
      "(Deno refused this run a permission its flags do not give: add the --allow-* flag it names to the " +
        "deno run flags, in deno.json's task or your own command)",
    );
  } else if (!(error instanceof StrataError) && !verbose) {
    lines.push("(an unexpected error; run again with --verbose for details)");
  }
  if (verbose) {
    const shown = new Set<string>();
    for (let cause = error instanceof Error ? error.cause : undefined; cause;) {
      const text = cause instanceof Error ? cause.message : String(cause);
      if (!shown.has(text)) lines.push(`caused by: ${text}`);
      shown.add(text);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    if (error instanceof Error && error.stack && !(error instanceof StrataError)) lines.push(framesOf(error));
  }
  return lines.join("\n");
}

/** What a failed run kept: the migrations it ran before the failure, which were committed. */
function keptLine(error: MigrationError): string {
  const done = error.direction === "up" ? "applied" : "rolled back";
  return `(kept from this run: migration${error.committed.length === 1 ? "" : "s"} ` +
    `${listForMessage(error.committed.map(String))}, ${done} before the failure)`;
}

/** An error's stack without its first line, which repeats the message shown above it. */
function framesOf(error: Error): string {
  const head = `${error.name}: ${error.message}`;
  return error.stack!.startsWith(head) ? error.stack!.slice(head.length).replace(/^\n/, "") : error.stack!;
}

function consoleIo(): CliIo {
  let noColor = false;
  try {
    noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    noColor = true; // no permission to read NO_COLOR: play safe
  }
  const encoder = new TextEncoder();
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    color: !noColor && Deno.stdout.isTerminal(),
    ...(Deno.stderr.isTerminal()
      ? { live: (text: string) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${text}`)) }
      : {}),
  };
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
