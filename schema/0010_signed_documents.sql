-- The hall's document signing keys and the documents signed with them (the anti-counterfeit QR
-- code of the 受理回执 and the decisions). A private key is kept sealed with a key derived from
-- the node's data key (AES-256-GCM); the public key is published in the trust list.
CREATE TABLE signing_keys (
  key_id      bigint PRIMARY KEY CHECK (key_id BETWEEN 1 AND 4294967295),
  public_pem  text NOT NULL,
  sealed_private_key bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz  -- signs nothing after this; what it signed verifies until it expires
);
-- At most one key signs new documents: the newest live one.
CREATE UNIQUE INDEX signing_keys_one_live ON signing_keys ((true)) WHERE retired_at IS NULL;

CREATE TABLE signed_documents (
  serial         bytea PRIMARY KEY CHECK (octet_length(serial) = 8),
  application_id bigint NOT NULL REFERENCES applications(id),
  kind           text NOT NULL CHECK (kind IN ('receipt', 'approval', 'rejection')),
  key_id         bigint NOT NULL REFERENCES signing_keys(key_id),
  issued_at      timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  payload        bytea NOT NULL,
  revoked_at     timestamptz,
  revoked_reason text CHECK (char_length(revoked_reason) <= 200)
);
-- One signed document per application and kind: downloading it again gives the same code.
CREATE UNIQUE INDEX signed_documents_one_per_kind ON signed_documents (application_id, kind);
