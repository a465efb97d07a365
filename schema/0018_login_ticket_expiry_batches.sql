-- Expired tickets are announced many to a notification ("12,13,14:expired"), not one each. At
-- thousands of device authorizations a second nearly every ticket expires unused, and a NOTIFY of
-- its own made each of them cost every listening node a message. 380 ids of at most 19 digits,
-- with their commas, stay under the 8000 bytes a payload may hold.
CREATE OR REPLACE FUNCTION login_tickets_announce_expiry() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  since timestamptz;
  batch record;
  n bigint := 0;
BEGIN
  SELECT announced_until INTO since FROM login_ticket_expiry FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN RETURN 0; END IF;
  FOR batch IN
    SELECT string_agg(id::text, ',') AS ids, count(*) AS size
      FROM (SELECT id, (row_number() OVER () - 1) / 380 AS part FROM login_tickets
             WHERE state IN ('pending', 'scanned', 'confirmed') AND expires_at > since AND expires_at <= now()) due
     GROUP BY part
  LOOP
    PERFORM pg_notify('login_tickets', batch.ids || ':expired');
    n := n + batch.size;
  END LOOP;
  UPDATE login_ticket_expiry SET announced_until = now();
  RETURN n;
END $$;
