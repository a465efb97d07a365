-- The fingerprint of the data key the database was first used with (an HMAC under the key, never
-- the key). Every node must hold the same key: the keyed hashes of ID numbers and mobiles, and the
-- sealed document signing keys, depend on it. A node with another key refuses to start.
CREATE TABLE data_key_fingerprint (
  only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  fingerprint bytea NOT NULL CHECK (octet_length(fingerprint) = 16),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
