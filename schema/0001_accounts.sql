-- Persons, units, grants, sessions and the audit log (PRODUCT.md §2).
-- ID numbers and mobiles are never stored in clear: a keyed hash (HMAC-SHA256 with the
-- installation's data key) finds them, a masked copy shows them.

CREATE TABLE persons (
  id               bigserial PRIMARY KEY,
  name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  id_type          text NOT NULL DEFAULT 'resident_id' CHECK (id_type IN ('resident_id')),
  id_number_hash   bytea NOT NULL UNIQUE,
  id_number_masked text NOT NULL,
  mobile_hash      bytea UNIQUE,
  mobile_masked    text,
  password_hash    text,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE units (
  id           bigserial PRIMARY KEY,
  uscc         text NOT NULL UNIQUE CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  unit_number  text NOT NULL UNIQUE CHECK (unit_number ~ '^[0-9]{6,20}$'),
  name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
  legal_rep_id bigint NOT NULL REFERENCES persons(id),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- An administrator or agent of a unit. Validity dates are calendar days in China time.
CREATE TABLE grants (
  id          bigserial PRIMARY KEY,
  unit_id     bigint NOT NULL REFERENCES units(id),
  person_id   bigint NOT NULL REFERENCES persons(id),
  role        text NOT NULL CHECK (role IN ('admin', 'agent')),
  scope       text[],  -- service codes; NULL means all business
  valid_from  date NOT NULL,
  valid_until date NOT NULL,
  granted_by  bigint NOT NULL REFERENCES persons(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  revoked_by  bigint REFERENCES persons(id),
  CHECK (valid_until >= valid_from),
  CHECK (role = 'agent' OR scope IS NULL)
);
-- At most one administrator, and one live grant per person and unit.
CREATE UNIQUE INDEX grants_one_admin ON grants (unit_id) WHERE role = 'admin' AND revoked_at IS NULL;
CREATE UNIQUE INDEX grants_one_per_person ON grants (unit_id, person_id) WHERE revoked_at IS NULL;
CREATE INDEX grants_person ON grants (person_id) WHERE revoked_at IS NULL;

CREATE TABLE sessions (
  id           bigserial PRIMARY KEY,
  token_hash   bytea NOT NULL UNIQUE,
  csrf_hash    bytea NOT NULL,
  person_id    bigint NOT NULL REFERENCES persons(id),
  unit_id      bigint REFERENCES units(id),
  grant_id     bigint REFERENCES grants(id),
  role         text NOT NULL CHECK (role IN ('person', 'legal_rep', 'admin', 'agent')),
  channel      text NOT NULL CHECK (channel IN ('web', 'app', 'kiosk')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  CHECK ((role = 'person') = (unit_id IS NULL)),
  CHECK ((role IN ('admin', 'agent')) = (grant_id IS NOT NULL))
);
CREATE INDEX sessions_person ON sessions (person_id) WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
  id                bigserial PRIMARY KEY,
  at                timestamptz NOT NULL DEFAULT now(),
  event             text NOT NULL,
  actor_person_id   bigint REFERENCES persons(id),
  unit_id           bigint REFERENCES units(id),
  subject_person_id bigint REFERENCES persons(id),
  grant_id          bigint REFERENCES grants(id),
  ip                text,
  detail            jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_unit ON audit_log (unit_id, at);
