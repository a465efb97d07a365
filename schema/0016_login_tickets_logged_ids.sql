-- Ticket ids from a logged sequence. The sequence of an UNLOGGED table's bigserial is unlogged
-- too (PostgreSQL 15), and a standby promoted by a failover finds it as an empty page: every
-- ticket creation then fails with "bad magic number in sequence" until someone repairs it by
-- hand. Logged, the sequence follows the standby like any durable data; the tickets themselves
-- stay UNLOGGED and are lost on failover (the portal shows a fresh QR), and their new ids never
-- repeat an id a portal may still hold.
ALTER SEQUENCE login_tickets_id_seq SET LOGGED;
