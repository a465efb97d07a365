-- Device clients of RFC 8628 (a TV app, a kiosk program) registered by the operator
-- (hallpass-admin register-client). Only they may start a device login; their name is what the
-- phone shows as the site asking.
CREATE TABLE device_clients (
  client_id  text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  created_at timestamptz NOT NULL DEFAULT now()
);
