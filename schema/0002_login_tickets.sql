-- QR scan-to-login tickets (PRODUCT.md §3), also served as RFC 8628 device authorizations.
--
-- UNLOGGED: a ticket lives two minutes and only has to be visible to every node at once; it need
-- not survive a PostgreSQL crash (the portal simply shows a new QR). Skipping the WAL makes
-- creating and moving tickets several times cheaper. The sessions a ticket turns into are in the
-- ordinary, durable `sessions` table.
CREATE UNLOGGED TABLE login_tickets (
  id               bigserial PRIMARY KEY,
  scan_hash        bytea NOT NULL UNIQUE,   -- SHA-256 of the one-time scan token in the QR URL
  poll_hash        bytea NOT NULL UNIQUE,   -- SHA-256 of the poll secret only the portal holds
  user_code        text UNIQUE,             -- RFC 8628 user code, e.g. WDJB-MJHT
  kind             text NOT NULL CHECK (kind IN ('portal', 'device')),
  client_id        text,
  state            text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'scanned', 'confirmed', 'consumed', 'cancelled', 'expired')),
  match_number     smallint NOT NULL CHECK (match_number BETWEEN 10 AND 99),
  portal_name      text NOT NULL,
  user_agent       text NOT NULL DEFAULT '',
  portal_ip        text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  scanned_at       timestamptz,
  confirm_deadline timestamptz,
  claimed_session  bigint,                  -- the phone session that scanned it
  person_id        bigint,
  unit_id          bigint,
  grant_id         bigint,
  finished_at      timestamptz,
  poll_interval    integer NOT NULL DEFAULT 5,  -- RFC 8628 interval, raised by slow_down
  last_poll_at     timestamptz
);
CREATE INDEX login_tickets_open ON login_tickets (expires_at) WHERE state IN ('pending', 'scanned');
CREATE INDEX login_tickets_finished ON login_tickets (created_at);

-- Every state change is announced to every node; portals waiting on any node learn of it.
CREATE FUNCTION login_ticket_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('login_tickets', NEW.id::text || ':' || NEW.state);
  RETURN NULL;
END $$;
CREATE TRIGGER login_tickets_state AFTER UPDATE OF state ON login_tickets
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION login_ticket_notify();
