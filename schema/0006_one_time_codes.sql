-- One-time codes (PRODUCT.md §11): six digits sent by SMS to reset a forgotten password, or to
-- prove a new mobile. Only a keyed hash of a code is kept; a code lives 5 minutes, allows 5
-- tries and is used once.
CREATE TABLE one_time_codes (
  id          bigserial PRIMARY KEY,
  purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'mobile_change')),
  person_id   bigint NOT NULL REFERENCES persons(id),
  mobile_hash bytea,  -- mobile_change: the new mobile the code went to
  code_hash  bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  tries      integer NOT NULL DEFAULT 0,
  used_at    timestamptz
);
CREATE INDEX one_time_codes_of_person ON one_time_codes (person_id, purpose, id);

-- A code goes out through the same outbox as the messages, without a message of its own. Its
-- row carries the mobile in clear until it is delivered, then the number is erased.
ALTER TABLE outbox ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN one_time_code_id bigint UNIQUE REFERENCES one_time_codes(id);
ALTER TABLE outbox ADD CHECK ((message_id IS NULL) <> (one_time_code_id IS NULL));
