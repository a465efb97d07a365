-- Registration online (PRODUCT.md §11). A person proves their mobile with a one-time code before
-- they have an account, so such a code belongs to a mobile, not to a person. Each identity check
-- of the real-name service registers one person or one unit, once.
ALTER TABLE one_time_codes DROP CONSTRAINT one_time_codes_purpose_check;
ALTER TABLE one_time_codes ADD CONSTRAINT one_time_codes_purpose_check
  CHECK (purpose IN ('password_reset', 'mobile_change', 'registration'));
ALTER TABLE one_time_codes ALTER COLUMN person_id DROP NOT NULL;
ALTER TABLE one_time_codes ADD CONSTRAINT one_time_codes_owner_check
  CHECK (CASE WHEN purpose = 'registration' THEN person_id IS NULL AND mobile_hash IS NOT NULL
              ELSE person_id IS NOT NULL END);
CREATE INDEX one_time_codes_of_mobile ON one_time_codes (mobile_hash, id) WHERE purpose = 'registration';

CREATE TABLE identity_checks_used (
  check_id  text PRIMARY KEY,  -- the real-name service's id of the check
  purpose   text NOT NULL CHECK (purpose IN ('person', 'unit')),
  used_at   timestamptz NOT NULL DEFAULT now()
);
