-- Per-user preferences, looked up by user; a follow-up to the initial schema.

-- migrate:up
CREATE TABLE user_preferences (
  user_id          INTEGER NOT NULL,
  preference_key   TEXT NOT NULL,
  preference_value TEXT,
  updated_at       TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, preference_key)
);
CREATE INDEX idx_chat_messages_user ON chat_messages (user_id, sent_at);

-- migrate:down
DROP INDEX idx_chat_messages_user;
DROP TABLE user_preferences;
