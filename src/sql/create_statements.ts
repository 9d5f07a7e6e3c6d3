/**
 * Reads the `CREATE TABLE`, `CREATE INDEX` and `CREATE TRIGGER` statements SQLite keeps in
 * `sqlite_schema`, for the facts its pragmas do not give (CHECK constraints, collations, generated
 * expressions, trigger events), and writes tables and triggers back in a stable layout.
 *
 * These parsers expect statements SQLite already accepted; they find parts, they do not validate.
 *
 * @module
 */
import {
  closingParen,
  formatTokens,
  isKeyword,
  quoteName,
  splitAtCommas,
  type Token,
  tokenize,
  tokenName,
} from "./tokens.ts";

/** A column of a `CREATE TABLE` statement. */
export interface ColumnDefinition {
  /** The column's name, unquoted. */
  name: string;
  /** Everything after the name, formatted: `TEXT NOT NULL DEFAULT ''`. */
  definition: string;
  /** The declared type as written, `""` when there is none. */
  type: string;
  /** The collation of a `COLLATE` clause, or null. */
  collate: string | null;
  /** For a generated column, its kind and expression; null otherwise. */
  generated: { kind: "virtual" | "stored"; expression: string } | null;
  /** Its `CHECK` constraints, formatted, with their `CONSTRAINT name` when named. */
  checks: string[];
}

/** A table constraint of a `CREATE TABLE` statement (after the columns). */
interface TableConstraint {
  /** Its `CONSTRAINT` name, or null. */
  name: string | null;
  /** What it constrains. */
  kind: "PRIMARY KEY" | "UNIQUE" | "CHECK" | "FOREIGN KEY";
  /** The whole constraint, formatted: `CONSTRAINT positive CHECK (price > 0)`. */
  text: string;
}

/** The parts of a `CREATE TABLE` statement. */
export interface TableDefinition {
  /** The table's name, unquoted. */
  name: string;
  /** Offsets of the name (schema prefix included) in the statement, to put another name there. */
  nameSpan: [start: number, end: number];
  /** Its columns, in order. */
  columns: ColumnDefinition[];
  /** Its table constraints, in order. */
  constraints: TableConstraint[];
  /** Its table options in upper case: `"WITHOUT ROWID"`, `"STRICT"`. */
  options: string[];
  /** Whether its primary key is `AUTOINCREMENT`. */
  autoincrement: boolean;
}

const CONSTRAINT_STARTS = new Set(["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]);
const COLUMN_CONSTRAINT_STARTS = new Set([
  "CONSTRAINT",
  "PRIMARY",
  "NOT",
  "NULL",
  "UNIQUE",
  "CHECK",
  "DEFAULT",
  "COLLATE",
  "REFERENCES",
  "GENERATED",
  "AS",
]);

/**
 * Splits a `CREATE TABLE` statement into its name, columns, table constraints and options.
 *
 * @throws {Error} for a statement without a column list (`CREATE VIRTUAL TABLE`, `AS SELECT`).
 */
export function parseCreateTable(sql: string): TableDefinition {
  const tokens = tokenize(sql);
  const open = tokens.findIndex((token) => token.text === "(");
  if (open < 0 || tokens.some((token, i) => i < open && isKeyword(token, "VIRTUAL"))) {
    throw new Error(`not a CREATE TABLE statement with a column list: ${sql.slice(0, 60)}`);
  }
  const close = closingParen(tokens, open);
  const nameTokens = namePath(tokens.slice(0, open));
  const columns: ColumnDefinition[] = [];
  const constraints: TableConstraint[] = [];
  for (const item of splitAtCommas(tokens.slice(open + 1, close))) {
    if (item[0].kind === "word" && CONSTRAINT_STARTS.has(item[0].text.toUpperCase())) {
      constraints.push(tableConstraint(item));
    } else {
      columns.push(columnDefinition(item));
    }
  }
  return {
    name: tokenName(nameTokens.at(-1)!),
    nameSpan: [nameTokens[0].start, nameTokens.at(-1)!.end],
    columns,
    constraints,
    options: splitAtCommas(tokens.slice(close + 1).filter((t) => t.text !== ";"))
      .map((option) => option.map((t) => t.text.toUpperCase()).join(" ")),
    autoincrement: tokens.some((token) => isKeyword(token, "AUTOINCREMENT")),
  };
}

/** The name tokens (`schema . name` or `name`) at the end of a statement's head. */
function namePath(head: readonly Token[]): Token[] {
  const last = head.length - 1;
  return head[last - 1]?.text === "." ? head.slice(last - 2) : head.slice(last);
}

function tableConstraint(item: readonly Token[]): TableConstraint {
  const named = isKeyword(item[0], "CONSTRAINT");
  const head = item[named ? 2 : 0]?.text.toUpperCase();
  const kind = head === "PRIMARY"
    ? "PRIMARY KEY"
    : head === "FOREIGN"
    ? "FOREIGN KEY"
    : head as "UNIQUE" | "CHECK";
  return { name: named ? tokenName(item[1]) : null, kind, text: formatTokens(item) };
}

function columnDefinition(item: readonly Token[]): ColumnDefinition {
  const rest = item.slice(1);
  let typeEnd = 0;
  while (typeEnd < rest.length && !startsColumnConstraint(rest[typeEnd])) {
    typeEnd = rest[typeEnd].text === "(" ? closingParen(rest, typeEnd) + 1 : typeEnd + 1;
  }
  const column: ColumnDefinition = {
    name: tokenName(item[0]),
    definition: formatTokens(rest),
    type: formatTokens(rest.slice(0, typeEnd)),
    collate: null,
    generated: null,
    checks: [],
  };
  let constraintName: Token[] = [];
  for (let i = typeEnd; i < rest.length; i++) {
    const token = rest[i];
    if (token.text === "(") {
      i = closingParen(rest, i);
    } else if (isKeyword(token, "CONSTRAINT")) {
      constraintName = rest.slice(i, i + 2);
      i++;
    } else if (isKeyword(token, "COLLATE")) {
      column.collate = tokenName(rest[i + 1]);
    } else if (isKeyword(token, "CHECK")) {
      const close = closingParen(rest, i + 1);
      column.checks.push(formatTokens([...constraintName, ...rest.slice(i, close + 1)]));
      i = close;
    } else if (isKeyword(token, "AS") && rest[i + 1]?.text === "(") {
      const close = closingParen(rest, i + 1);
      column.generated = {
        kind: isKeyword(rest[close + 1], "STORED") ? "stored" : "virtual",
        expression: formatTokens(rest.slice(i + 2, close)),
      };
      i = close;
    }
    if (startsColumnConstraint(token) && !isKeyword(token, "CONSTRAINT")) constraintName = [];
  }
  return column;
}

function startsColumnConstraint(token: Token): boolean {
  return token.kind === "word" && COLUMN_CONSTRAINT_STARTS.has(token.text.toUpperCase());
}

/**
 * Writes a `CREATE TABLE` statement with one column or constraint per line, so a change to one
 * column is a one-line change in a diff.
 *
 * @param items Column definitions (name first) and table constraints, in order.
 * @param options Table options such as `"WITHOUT ROWID"` and `"STRICT"`.
 */
export function renderCreateTable(
  name: string,
  items: readonly string[],
  options: readonly string[],
): string {
  const tail = options.length > 0 ? ` ${options.join(", ")}` : "";
  return `CREATE TABLE ${quoteName(name)} (\n  ${items.join(",\n  ")}\n)${tail}`;
}

/** A table's statement in the stable layout of {@link renderCreateTable}. */
export function formatCreateTable(definition: TableDefinition): string {
  return renderCreateTable(definition.name, [
    ...definition.columns.map((column) => columnText(column.name, column.definition)),
    ...definition.constraints.map((constraint) => constraint.text),
  ], definition.options);
}

/** One column definition: its name, quoted if needed, then the rest. */
export function columnText(name: string, definition: string): string {
  return definition ? `${quoteName(name)} ${definition}` : quoteName(name);
}

/** The parts of a `CREATE INDEX` statement. */
interface IndexDefinition {
  /** Whether it is a `UNIQUE` index. */
  unique: boolean;
  /** The table it indexes, unquoted. */
  table: string;
  /** Its keys, formatted: `email`, `lower(name) DESC`. */
  columns: string[];
  /** The condition of a partial index, formatted; null for a full index. */
  where: string | null;
}

/** Splits a `CREATE INDEX` statement into its table, keys and condition. */
export function parseCreateIndex(sql: string): IndexDefinition {
  const tokens = tokenize(sql);
  const on = tokens.findIndex((token) => isKeyword(token, "ON"));
  const open = tokens.findIndex((token, i) => i > on && token.text === "(");
  const close = closingParen(tokens, open);
  const where = tokens.findIndex((token, i) => i > close && isKeyword(token, "WHERE"));
  return {
    unique: isKeyword(tokens[1], "UNIQUE"),
    table: tokenName(namePath(tokens.slice(on + 1, open)).at(-1)!),
    columns: splitAtCommas(tokens.slice(open + 1, close)).map(formatTokens),
    where: where < 0 ? null : formatTokens(tokens.slice(where + 1).filter((t) => t.text !== ";")),
  };
}

/** The statement that fires a trigger: `INSERT`, `UPDATE` or `DELETE`. */
export function triggerEvent(sql: string): "INSERT" | "UPDATE" | "DELETE" {
  const event = tokenize(sql).find((token) =>
    isKeyword(token, "INSERT") || isKeyword(token, "UPDATE") || isKeyword(token, "DELETE")
  );
  return (event?.text.toUpperCase() ?? "INSERT") as "INSERT" | "UPDATE" | "DELETE";
}

/** A `CREATE TRIGGER` statement with its head on one line and each statement of its body on its own. */
export function formatTrigger(sql: string): string {
  const tokens = tokenize(sql);
  const begin = tokens.findIndex((token) => isKeyword(token, "BEGIN"));
  const end = tokens.findLastIndex((token) => isKeyword(token, "END"));
  if (begin < 0 || end < begin) return formatTokens(tokens);
  const body = [[]] as Token[][];
  for (const token of tokens.slice(begin + 1, end)) {
    if (token.text === ";") body.push([]);
    else body.at(-1)!.push(token);
  }
  const statements = body.filter((statement) => statement.length > 0).map((s) => `  ${formatTokens(s)};`);
  return [formatTokens(tokens.slice(0, begin + 1)), ...statements, tokens[end].text].join("\n");
}
