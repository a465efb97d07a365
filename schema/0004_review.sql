-- The hall's side (PRODUCT.md §10): offices and their staff, an application's life after
-- submission (accept, send back for correction, approve or reject, complete), and its history.

-- Offices of the hall; the catalogue routes each service to one.
CREATE TABLE offices (
  code    text PRIMARY KEY,
  name    text NOT NULL,
  name_en text NOT NULL DEFAULT ''
);
ALTER TABLE services ADD COLUMN office_code text REFERENCES offices(code);
-- 即时办结: a statutory limit of 0 working days.
ALTER TABLE services DROP CONSTRAINT services_time_limit_days_check;
ALTER TABLE services ADD CONSTRAINT services_time_limit_days_check CHECK (time_limit_days >= 0);

-- Staff: persons with a role in an office (窗口受理 clerk, 审核 reviewer, 负责人 head).
CREATE TABLE staff (
  person_id   bigint NOT NULL REFERENCES persons(id),
  office_code text NOT NULL REFERENCES offices(code),
  role        text NOT NULL CHECK (role IN ('clerk', 'reviewer', 'head')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  PRIMARY KEY (person_id, office_code)
);

-- A staff session acts for one office, checked against the staff row on every use. Staff sign
-- in at /staff by QR too: the phone confirms the ticket for an office.
ALTER TABLE login_tickets ADD COLUMN office_code text;
ALTER TABLE sessions ADD COLUMN office_code text REFERENCES offices(code);
ALTER TABLE sessions DROP CONSTRAINT sessions_role_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_role_check
  CHECK (role IN ('person', 'legal_rep', 'admin', 'agent', 'staff'));
ALTER TABLE sessions DROP CONSTRAINT sessions_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_check CHECK ((role IN ('person', 'staff')) = (unit_id IS NULL));
ALTER TABLE sessions ADD CONSTRAINT sessions_staff_office CHECK ((role = 'staff') = (office_code IS NOT NULL));

-- The states of services::application_state, spelled the same.
ALTER TABLE applications DROP CONSTRAINT applications_state_check;
ALTER TABLE applications ADD CONSTRAINT applications_state_check
  CHECK (state IN ('draft', 'submitted', 'accepted', 'correction', 'not_accepted', 'approved', 'rejected',
                   'completed', 'withdrawn'));
ALTER TABLE applications
  ADD COLUMN accepted_at         timestamptz,
  ADD COLUMN decided_at          timestamptz,
  ADD COLUMN completed_at        timestamptz,
  ADD COLUMN correction_from     text CHECK (correction_from IN ('submitted', 'accepted')),
  ADD COLUMN correction_since    date,    -- the statutory clock stands still from here
  ADD COLUMN correction_deadline date,
  ADD COLUMN reopened_materials  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN decision_text       text,
  ADD COLUMN licence_number      text,
  ADD COLUMN calendar            text;    -- the working-day calendar the dates were counted with
COMMENT ON COLUMN applications.due_date IS 'statutory time limit: working days from acceptance, 补正 time excluded';
CREATE INDEX applications_queue ON applications (state, service_code) WHERE state IN ('submitted', 'accepted', 'correction');

-- Every change of state, and who made it, in order: the timeline both sides see.
CREATE TABLE application_events (
  id             bigserial PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES applications(id),
  at             timestamptz NOT NULL DEFAULT now(),
  actor_id       bigint REFERENCES persons(id),
  actor_role     text NOT NULL CHECK (actor_role IN ('applicant', 'clerk', 'reviewer', 'head')),
  action         text NOT NULL,
  from_state     text NOT NULL,
  to_state       text NOT NULL,
  comment        text NOT NULL DEFAULT '',
  details        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX application_events_application ON application_events (application_id, id);

-- An office's queue changes when one of its applications changes state or gets a page after
-- submission: "0:<office code>" on office_queue, so that staff queues on every node refresh.
CREATE FUNCTION office_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  office text;
BEGIN
  IF TG_TABLE_NAME = 'applications' THEN
    SELECT office_code INTO office FROM services WHERE code = NEW.service_code;
  ELSE
    SELECT s.office_code INTO office FROM applications a JOIN services s ON s.code = a.service_code
      WHERE a.id = NEW.application_id AND a.state <> 'draft';
  END IF;
  IF office IS NOT NULL THEN
    PERFORM pg_notify('office_queue', '0:' || office);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER applications_office_queue AFTER UPDATE OF state ON applications
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION office_queue_notify();
CREATE TRIGGER pages_office_queue AFTER INSERT ON pages
  FOR EACH ROW EXECUTE FUNCTION office_queue_notify();

-- 办件评价: after 办结 the applicant rates the service once; the office's head sees it.
CREATE TABLE application_ratings (
  application_id bigint PRIMARY KEY REFERENCES applications(id),
  person_id      bigint NOT NULL REFERENCES persons(id),
  stars          smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  comment        text NOT NULL DEFAULT '',
  rated_at       timestamptz NOT NULL DEFAULT now()
);
