-- Cheaper ticket inserts, which run at thousands a second.
--
-- State changes are announced by one statement-level trigger that reads the statement's
-- transition tables, instead of two row-level ones. A row-level AFTER INSERT trigger was needed
-- only to catch a change that moves a ticket to another partition (PostgreSQL runs it as a DELETE
-- and an INSERT), yet it was set up for every new ticket and cost about a fifth of a batch insert.
-- The transition tables of an UPDATE on the partitioned table hold moved rows too, and an INSERT
-- no longer fires anything.
DROP TRIGGER login_tickets_state ON login_tickets;
DROP TRIGGER login_tickets_moved ON login_tickets;
DROP FUNCTION login_ticket_notify();

CREATE FUNCTION login_tickets_announce_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('login_tickets', changed.id::text || ':' || changed.state)
     FROM changed_to changed JOIN changed_from was USING (id)
    WHERE was.state IS DISTINCT FROM changed.state;
  RETURN NULL;
END $$;
CREATE TRIGGER login_tickets_state AFTER UPDATE ON login_tickets
  REFERENCING OLD TABLE AS changed_from NEW TABLE AS changed_to
  FOR EACH STATEMENT EXECUTE FUNCTION login_tickets_announce_changes();

-- Each connection takes ticket ids 1024 at a time: the logged sequence (0016) no longer writes
-- WAL, and makes the inserting transaction wait for its flush, every 32 ids. Ids stay unique and
-- are never reused after a crash or failover (the sequence is logged ahead of what was handed
-- out); they are no longer in creation order across connections, and nothing relies on that.
ALTER SEQUENCE login_tickets_id_seq CACHE 1024;
