import type { MigrationModule } from "../mod.ts";

/**
 * The chat bot's first schema: settings, chat users and their messages. `IF NOT EXISTS` lets it run
 * harmlessly on a database that was created before migrations were used.
 */
export default {
  async up(db) {
    await db.exec(`
      CREATE TABLE IF NOT EXISTS settings (
        key        TEXT PRIMARY KEY,
        value      TEXT,
        updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
      );
      CREATE TABLE IF NOT EXISTS chat_users (
        chat_id    INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        username   TEXT,
        full_name  TEXT,
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (chat_id, user_id)
      );
      CREATE TABLE IF NOT EXISTS chat_messages (
        chat_id    INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        text       TEXT,
        sent_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (chat_id, message_id),
        FOREIGN KEY (chat_id, user_id) REFERENCES chat_users (chat_id, user_id)
      );
    `);
  },
  async down(db) {
    await db.exec(`
      DROP TABLE chat_messages;
      DROP TABLE chat_users;
      DROP TABLE settings;
    `);
  },
} satisfies MigrationModule;
