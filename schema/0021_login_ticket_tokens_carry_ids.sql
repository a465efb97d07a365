-- A ticket's scan token and poll secret now begin with its id (server/services/src/ticket_tokens.hpp):
-- a ticket is found by its id and its secret's hash together, through the ordered index on ids,
-- which an insert touches only at its right edge. The hash indexes, which every insert touched at
-- a random page, go. A token handed out before this change no longer finds its ticket (tickets
-- last two minutes).
DROP INDEX login_tickets_scan, login_tickets_poll;
