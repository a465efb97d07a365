-- Kiosks (PRODUCT.md §7): device clients with a secret, registered by the operator
-- (hallpass-admin register-kiosk) and revocable. A kiosk's device login opens a session on the
-- kiosk channel that remembers the kiosk, so that revoking the kiosk ends its sessions.
ALTER TABLE device_clients
  ADD COLUMN secret_hash text CHECK (secret_hash ~ '^[0-9a-f]{64}$'),  -- SHA-256 of the secret; NULL: a public client
  ADD COLUMN revoked_at  timestamptz;

ALTER TABLE sessions ADD COLUMN client_id text REFERENCES device_clients (client_id);
CREATE INDEX sessions_client ON sessions (client_id) WHERE client_id IS NOT NULL AND revoked_at IS NULL;
