-- Notifications (PRODUCT.md §10): the applicant's message centre, and an outbox of the same
-- messages for an SMS platform.

-- A message about an application, for its unit (everyone acting for the unit sees it) or, for a
-- personal application, for its person. Written in the transaction of the change it reports.
CREATE TABLE messages (
  id             bigserial PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES applications(id),
  unit_id        bigint REFERENCES units(id),
  person_id      bigint REFERENCES persons(id),
  kind           text NOT NULL,   -- the action (accept, refuse, ...) or correction_due, supply_due
  title          text NOT NULL,
  title_en       text NOT NULL,
  body           text NOT NULL,
  body_en        text NOT NULL,
  reminder_key   text UNIQUE,     -- a reminder is made once: "<kind>:<application>:<deadline>"
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((unit_id IS NULL) <> (person_id IS NULL))
);
CREATE INDEX messages_of_unit ON messages (unit_id, id) WHERE unit_id IS NOT NULL;
CREATE INDEX messages_of_person ON messages (person_id, id) WHERE person_id IS NOT NULL;

-- Who has read which message.
CREATE TABLE message_reads (
  message_id bigint NOT NULL REFERENCES messages(id),
  person_id  bigint NOT NULL REFERENCES persons(id),
  read_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, person_id)
);

-- A new message or a read: "0:u<unit id>" or "0:p<person id>" on the messages channel, so that
-- open message centres on every node refresh their unread count.
CREATE FUNCTION messages_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'messages' THEN
    PERFORM pg_notify('messages', '0:' || CASE WHEN NEW.unit_id IS NOT NULL THEN 'u' || NEW.unit_id
                                               ELSE 'p' || NEW.person_id END);
  ELSE
    PERFORM pg_notify('messages', '0:r' || NEW.person_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_changed AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_notify();
CREATE TRIGGER message_reads_changed AFTER INSERT ON message_reads FOR EACH ROW EXECUTE FUNCTION messages_notify();

-- Each message for the SMS platform, written with it; a delivery worker on any node claims a due
-- row (FOR UPDATE SKIP LOCKED), POSTs it and marks it delivered, or tries again later.
CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  message_id      bigint NOT NULL UNIQUE REFERENCES messages(id),
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
