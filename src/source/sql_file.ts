/**
 * The `.sql` migration file format: exactly one `-- migrate:up` section, at most one
 * `-- migrate:down`, nothing but comments before the first marker, `transaction:false` after a
 * marker for a migration outside a transaction, and `-- strata:baseline` as the first line of a
 * baseline that `squash` wrote.
 *
 * @module
 */
import { MigrationFileError } from "../shared/errors.ts";
import { lineCommentOffsets } from "../sql/script.ts";

/**
 * The first line of a baseline migration written by `squash`: it replaces the migrations up to its
 * version, so databases that applied those never run it.
 */
export const BASELINE_MARKER = "-- strata:baseline";

/** One section of a `.sql` migration, and where it stands in the file's text (for error positions). */
interface SqlFileSection {
  /** The section's SQL. */
  sql: string;
  /** The file's text, as parsed (without a BOM, with `\n` line breaks). */
  text: string;
  /** Offset of the section's first character in `text`. */
  start: number;
}

/** The sections of a `.sql` migration. */
export interface SqlFile {
  /** The `-- migrate:up` section. */
  up: SqlFileSection;
  /** The `-- migrate:down` section, when the file has one. */
  down?: SqlFileSection;
  /** False after `transaction:false`. */
  transaction: boolean;
}

const MARKER = /^--\s*migrate:(\S*)(.*)$/;

/**
 * Parses a `.sql` migration: exactly one `-- migrate:up` section, at most one `-- migrate:down`,
 * nothing but comments before the first marker. A marker is a line comment that is the first token
 * of its line, as SQLite reads the text: inside a string, a quoted name or a block comment it is
 * part of the SQL around it. Only lines that contain `migrate:` can be markers, so the text is
 * searched for those instead of being split into lines: each section is a slice of the text, which
 * costs no copy and leaves no line strings to collect, and a run holds thousands of files at once.
 *
 * @throws {MigrationFileError} naming the file and line at fault.
 */
export function parseSqlMigration(source: string, file: string): SqlFile {
  const withoutBom = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const text = withoutBom.includes("\r\n") ? withoutBom.replaceAll("\r\n", "\n") : withoutBom;
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  const markers = findMarkers(text);
  const firstMarker = markers[0]?.start ?? text.length;
  text.slice(0, firstMarker).split("\n").forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed !== "" && !trimmed.startsWith("--")) {
      throw new MigrationFileError(
        `${file}:${index + 1} has SQL before the "-- migrate:up" marker. Put every statement in a section.`,
        file,
      );
    }
  });
  const sections = new Map<string, { sql: string; start: number }>();
  let transaction = true;
  markers.forEach(({ start, end, section, rest }, index) => {
    // Counted only for an error: it reads the text up to the marker.
    const line = () => lineOf(start);
    if (section !== "up" && section !== "down") {
      throw new MigrationFileError(
        `${file}:${line()} has an unknown marker "-- migrate:${section}"; use "-- migrate:up" or "-- migrate:down".`,
        file,
      );
    }
    if (sections.has(section)) {
      throw new MigrationFileError(
        `${file}:${line()} has a second "-- migrate:${section}" section; keep one.`,
        file,
      );
    }
    for (const option of rest.trim().split(/\s+/).filter(Boolean)) {
      if (option === "transaction:false") transaction = false;
      else if (option !== "transaction:true") {
        throw new MigrationFileError(
          `${file}:${line()} has an unknown option "${option}" after "-- migrate:${section}"; ` +
            `the only option is transaction:false.`,
          file,
        );
      }
    }
    // The section is every line after its marker up to the next marker's line, without the line break
    // before it.
    const next = markers[index + 1];
    sections.set(section, { sql: text.slice(end + 1, next ? next.start - 1 : text.length), start: end + 1 });
  });
  const upSql = sections.get("up");
  if (upSql === undefined) {
    throw new MigrationFileError(
      `${file} has no "-- migrate:up" line. A .sql migration needs "-- migrate:up" before its statements ` +
        `and, to be reversible, "-- migrate:down" before the statements that undo them.`,
      file,
    );
  }
  const down = sections.get("down");
  return {
    up: { ...upSql, text },
    ...(down !== undefined ? { down: { ...down, text } } : {}),
    transaction,
  };
}

/** A marker line: where it starts and ends in the text, its section name and what follows the name. */
interface MarkerLine {
  start: number;
  end: number;
  section: string;
  rest: string;
}

/**
 * The marker lines of a text with `\n` line breaks, in order: lines whose first token is a line
 * comment matching {@link MARKER}. Only lines that contain `migrate:` can be markers, so those are
 * found first. The tokenizer then drops the candidates that stand inside a string, a quoted name or a
 * block comment. It reads only up to the last candidate, and only from the line of the first
 * character after the first candidate that can open a token spanning lines: before the first
 * candidate there are only comments (the parser checks), and before that line no token spans lines.
 */
function findMarkers(text: string): MarkerLine[] {
  const candidates: (MarkerLine & { comment: number })[] = [];
  for (let at = text.indexOf("migrate:"); at !== -1; at = text.indexOf("migrate:", at)) {
    const start = text.lastIndexOf("\n", at) + 1;
    const newline = text.indexOf("\n", at);
    const end = newline === -1 ? text.length : newline;
    let comment = start;
    while (isLeadingSpace(text.charCodeAt(comment))) comment++;
    const marker = MARKER.exec(text.slice(comment, end).trimEnd());
    if (marker) candidates.push({ start, end, section: marker[1], rest: marker[2], comment });
    at = end;
  }
  if (candidates.length < 2) return candidates;
  const after = candidates[0].end;
  const last = candidates[candidates.length - 1].end;
  const opener = CAN_HIDE_A_LINE.exec(text.slice(after, last));
  if (opener === null) return candidates;
  const from = text.lastIndexOf("\n", after + opener.index);
  const comments = lineCommentOffsets(text.slice(from, last));
  let next = 0;
  return candidates.filter((candidate, index) => {
    if (index === 0) return true;
    while (next < comments.length && from + comments[next] < candidate.comment) next++;
    return from + comments[next] === candidate.comment;
  });
}

/** What can start a token that spans lines: a string, a quoted name or a block comment. */
const CAN_HIDE_A_LINE = /['"`[]|\/\*/;

/** Space, tab, form feed or carriage return: what SQLite skips before a line's first token. */
function isLeadingSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0c || code === 0x0d;
}
