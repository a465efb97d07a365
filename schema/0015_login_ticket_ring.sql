-- Login tickets leave the table within about a minute of their end, at a cost that does not grow
-- with the number of tickets (PRODUCT.md §3).
--
-- The table is a ring of 8 UNLOGGED partitions, one per 30-second slot of `leaves_at`: the expiry
-- of an open ticket, or the moment a ticket was consumed or cancelled. Every ticket leaves at most
-- 120 s ahead, so the slots two and three behind the current one hold only tickets that ended 30 to
-- 90 s ago, and no new ticket can land in them: the sweeper empties them with one TRUNCATE each,
-- however many rows they hold. No row is ever updated to 'expired': an open ticket past its
-- expiry reads as expired, and the sweeper announces it to every node (login_tickets_announce_expiry).
--
-- The tickets open at upgrade are dropped with the old table: their portals show a new QR code.
DROP TABLE login_tickets;

CREATE FUNCTION login_ticket_slot(leaves_at timestamptz) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE  -- the epoch of a timestamptz does not depend on the time zone
  RETURN (floor(extract(epoch FROM leaves_at) / 30)::bigint % 8)::integer;

CREATE TABLE login_tickets (
  id               bigserial NOT NULL,
  scan_hash        bytea NOT NULL,          -- SHA-256 of the one-time scan token in the QR URL
  poll_hash        bytea NOT NULL,          -- SHA-256 of the poll secret only the portal holds
  user_code        text,                    -- RFC 8628 user code, e.g. WDJB-MJHT (unique among the rows: see insert_tickets)
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
  poll_interval    integer NOT NULL DEFAULT 5,  -- RFC 8628 interval
  last_poll_at     timestamptz,
  office_code      text,
  leaves_at        timestamptz NOT NULL     -- its slot: expires_at while open, the end once ended
) PARTITION BY LIST (login_ticket_slot(leaves_at));

DO $$
BEGIN
  FOR k IN 0..7 LOOP
    EXECUTE format('CREATE UNLOGGED TABLE login_tickets_%s PARTITION OF login_tickets FOR VALUES IN (%s)', k, k);
  END LOOP;
END $$;

CREATE INDEX login_tickets_id ON login_tickets (id);
CREATE INDEX login_tickets_scan ON login_tickets (scan_hash);
CREATE INDEX login_tickets_poll ON login_tickets (poll_hash);
CREATE INDEX login_tickets_user_code ON login_tickets (user_code) WHERE user_code IS NOT NULL;
CREATE INDEX login_tickets_open ON login_tickets (expires_at) WHERE state IN ('pending', 'scanned', 'confirmed');

-- Every state change is announced to every node; portals waiting on any node learn of it. A change
-- that moves a ticket to another slot is a DELETE and an INSERT for PostgreSQL, announced by the
-- second trigger (a new ticket is pending and is not announced).
CREATE OR REPLACE FUNCTION login_ticket_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('login_tickets', NEW.id::text || ':' || NEW.state);
  RETURN NULL;
END $$;
CREATE TRIGGER login_tickets_state AFTER UPDATE OF state ON login_tickets
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION login_ticket_notify();
CREATE TRIGGER login_tickets_moved AFTER INSERT ON login_tickets
  FOR EACH ROW WHEN (NEW.state <> 'pending') EXECUTE FUNCTION login_ticket_notify();

-- Until when expiries have been announced; one node per sweep round does it.
CREATE TABLE login_ticket_expiry (announced_until timestamptz NOT NULL);
INSERT INTO login_ticket_expiry VALUES (now());

-- Announces every open ticket whose expiry passed since the last round (a read, no row changes),
-- unless another node is doing it right now. Returns how many.
CREATE FUNCTION login_tickets_announce_expiry() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  since timestamptz;
  n bigint;
BEGIN
  SELECT announced_until INTO since FROM login_ticket_expiry FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN RETURN 0; END IF;
  SELECT count(pg_notify('login_tickets', id::text || ':expired')) INTO n FROM login_tickets
   WHERE state IN ('pending', 'scanned', 'confirmed') AND expires_at > since AND expires_at <= now();
  UPDATE login_ticket_expiry SET announced_until = now();
  RETURN n;
END $$;

-- Empties the slot `back` (2 or 3) slots behind the current one (see above), if anything is in it.
-- One slot per transaction, and one node at a time: a query holding another partition is never
-- kept waiting on one the sweeper holds. A slot holding a ticket that left less than 30 s ago
-- (possible only after the clock was set back) loses only its older rows. True when it was emptied.
CREATE FUNCTION login_tickets_empty_slot(back integer) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := format('login_tickets_%s', (floor(extract(epoch FROM now()) / 30)::bigint - back) % 8);
  any_row boolean;
  young boolean;
BEGIN
  IF back NOT IN (2, 3) THEN RAISE EXCEPTION 'only the slots 2 and 3 behind hold nothing but ended tickets'; END IF;
  IF NOT pg_try_advisory_xact_lock(4857201935) THEN RETURN false; END IF;  -- another node is at it
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', part) INTO any_row;
  IF NOT any_row THEN RETURN false; END IF;
  SET LOCAL lock_timeout = '2s';
  EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', part);
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE leaves_at > now() - interval ''30 seconds'')', part)
    INTO young;
  IF young THEN
    EXECUTE format('DELETE FROM %I WHERE leaves_at <= now() - interval ''30 seconds''', part);
  ELSE
    EXECUTE format('TRUNCATE %I', part);
  END IF;
  RETURN true;
END $$;
