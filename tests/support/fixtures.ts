/**
 * The migrations several tests start from, typed once. A test whose point is a particular schema
 * keeps that schema inline, where the reader sees it.
 *
 * @module
 */
import type { Migration } from "../../mod.ts";

/** A `.sql` migration that creates `users (id INTEGER PRIMARY KEY)` and whose down drops it. */
export const USERS_SQL = "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n" +
  "-- migrate:down\nDROP TABLE users;\n";

/** A `.sql` migration that creates `posts (id INTEGER PRIMARY KEY)` and whose down drops it. */
export const POSTS_SQL = "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n" +
  "-- migrate:down\nDROP TABLE posts;\n";

/** {@link POSTS_SQL} without a down, so it cannot be rolled back. */
export const POSTS_WITHOUT_DOWN_SQL = "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n";

/** Two reversible migration files, `001_users.sql` and `002_posts.sql` (file name → text). */
export const USERS_AND_POSTS_FILES: Readonly<Record<string, string>> = Object.freeze({
  "001_users.sql": USERS_SQL,
  "002_posts.sql": POSTS_SQL,
});

/** A new copy of migration 1, "create users": `users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`, reversible. */
export function createUsersMigration(): Migration {
  return {
    version: 1,
    description: "create users",
    up: (db) => db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
    down: (db) => db.exec("DROP TABLE users"),
  };
}
