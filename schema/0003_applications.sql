-- Applications (办件), their materials and pages, and per-material upload codes (PRODUCT.md §4).

-- The service catalogue; rows are refreshed from the shipped catalogue at start-up.
CREATE TABLE services (
  code            text PRIMARY KEY,
  name            text NOT NULL,
  name_en         text NOT NULL DEFAULT '',
  authority       text NOT NULL,
  time_limit_days integer NOT NULL CHECK (time_limit_days > 0),
  notice          text NOT NULL DEFAULT ''
);

CREATE TABLE service_materials (
  service_code text NOT NULL REFERENCES services(code),
  code         text NOT NULL,
  position     integer NOT NULL,
  name         text NOT NULL,
  required     boolean NOT NULL,
  tolerable    boolean NOT NULL DEFAULT false,  -- 容缺: may be supplied after acceptance
  supply_days  integer CHECK (supply_days > 0), -- working days to supply a tolerated material
  max_pages    integer NOT NULL DEFAULT 30,
  PRIMARY KEY (service_code, code)
);

CREATE TABLE applications (
  id              bigserial PRIMARY KEY,
  service_code    text NOT NULL REFERENCES services(code),
  person_id       bigint NOT NULL REFERENCES persons(id),  -- who started it
  unit_id         bigint REFERENCES units(id),             -- NULL: a person's own application
  state           text NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'submitted', 'accepted', 'approved', 'rejected', 'withdrawn')),
  step            text NOT NULL DEFAULT 'notice' CHECK (step IN ('notice', 'form', 'materials', 'declaration')),
  form            jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  submitted_at    timestamptz,
  due_date        date,   -- statutory time limit, in working days from submission
  supply_deadline date    -- for tolerated materials
);
CREATE INDEX applications_unit ON applications (unit_id, state);
CREATE INDEX applications_person ON applications (person_id, state) WHERE unit_id IS NULL;

CREATE TABLE upload_codes (
  id             bigserial PRIMARY KEY,
  token_hash     bytea NOT NULL UNIQUE,
  application_id bigint NOT NULL REFERENCES applications(id),
  material_code  text NOT NULL,
  created_by     bigint NOT NULL REFERENCES persons(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  max_pages      integer NOT NULL CHECK (max_pages > 0),
  pages_added    integer NOT NULL DEFAULT 0,
  revoked_at     timestamptz
);
CREATE INDEX upload_codes_application ON upload_codes (application_id);

-- An accepted page: the processed image and its thumbnail, committed with its metadata in one
-- transaction before the upload is answered.
CREATE TABLE pages (
  id              bigserial PRIMARY KEY,
  application_id  bigint NOT NULL REFERENCES applications(id),
  material_code   text NOT NULL,
  position        integer NOT NULL CHECK (position > 0),
  content         bytea NOT NULL,
  content_type    text NOT NULL,
  sha256          text NOT NULL,      -- of content
  thumbnail       bytea NOT NULL,
  width           integer NOT NULL,
  height          integer NOT NULL,
  dpi             real NOT NULL,
  source          text NOT NULL CHECK (source IN ('phone', 'portal', 'kiosk')),
  upload_code_id  bigint REFERENCES upload_codes(id),
  idempotency_key text,
  request_sha256  text NOT NULL,      -- of the uploaded bytes, to tell a replay from a reuse
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pages_position UNIQUE (application_id, material_code, position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNIQUE INDEX pages_idempotency ON pages (application_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Every change of an application's pages is announced; portals watching it on any node refresh.
CREATE FUNCTION application_pages_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('application_pages',
                    COALESCE(NEW.application_id, OLD.application_id)::text || ':' || TG_OP);
  RETURN NULL;
END $$;
CREATE TRIGGER pages_changed AFTER INSERT OR DELETE OR UPDATE ON pages
  FOR EACH ROW EXECUTE FUNCTION application_pages_notify();
CREATE FUNCTION application_state_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('application_pages', NEW.id::text || ':' || NEW.state);
  RETURN NULL;
END $$;
CREATE TRIGGER applications_state AFTER UPDATE OF state ON applications
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION application_state_notify();
