-- What a device authorization costs PostgreSQL.

-- 1. Nodes keep the public device clients in memory (only their name can change); any change to the
-- table (a client registered or renamed, a kiosk given a new secret or revoked) is announced on the
-- login_tickets channel as "0:clients", and every listening node forgets what it kept.
CREATE FUNCTION device_clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('login_tickets', '0:clients');
  RETURN NULL;
END $$;

CREATE TRIGGER device_clients_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device_clients
  FOR EACH STATEMENT EXECUTE FUNCTION device_clients_changed();

-- 2. The same ticket slots as 0015, from an expression PostgreSQL can inline into the partition
-- key. The epoch of a timestamptz (extract) is only STABLE, so the IMMUTABLE function of 0015 could
-- not be inlined and ran as a SQL function call for every ticket routed to its partition. The
-- seconds of the interval since 1970-01-01 UTC are the same number from IMMUTABLE operators alone.
CREATE OR REPLACE FUNCTION login_ticket_slot(leaves_at timestamptz) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (floor(date_part('epoch', leaves_at - timestamptz '1970-01-01 00:00:00+00') / 30)::bigint % 8)::integer;
