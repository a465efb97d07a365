-- The catalogue as the hall manuals write it (PRODUCT.md §4): a service's variants (申请 / 变更 /
-- 延续 …) and optional cases (a minor applicant, a proxy …), each material's variants and condition,
-- its hint, source, template and kind, and where in the manuals each entry comes from.

ALTER TABLE services
  ADD COLUMN audience text NOT NULL DEFAULT 'unit' CHECK (audience IN ('unit', 'person')),
  ADD COLUMN variants jsonb NOT NULL DEFAULT '[]',  -- [{code, name, name_en}], first is the default
  ADD COLUMN cases    jsonb NOT NULL DEFAULT '[]',  -- [{code, name, name_en}]
  ADD COLUMN seed     text NOT NULL DEFAULT '';     -- the manual and section it comes from

ALTER TABLE service_materials
  ADD COLUMN variants      text[],                  -- NULL: every variant
  ADD COLUMN when_tolerated text,                   -- required only while this material is tolerated
  ADD COLUMN when_cases    text[],                  -- applies only when the applicant has one of these cases
  ADD COLUMN unless_cases  text[],                  -- does not apply when the applicant has one of these
  ADD COLUMN hint          text NOT NULL DEFAULT '',
  ADD COLUMN origin        text NOT NULL DEFAULT '',  -- 资料来源
  ADD COLUMN template      text,                    -- a shipped template or sample, by file name
  ADD COLUMN kind          text NOT NULL DEFAULT 'paper' CHECK (kind IN ('paper', 'pdf', 'video', 'portrait')),
  ADD COLUMN paper         text NOT NULL DEFAULT 'any' CHECK (paper IN ('a4', 'id_card', 'any')),
  ADD COLUMN seed          text NOT NULL DEFAULT '',
  ADD COLUMN retired       boolean NOT NULL DEFAULT false;  -- no longer in the shipped catalogue

ALTER TABLE applications
  ADD COLUMN variant text,
  ADD COLUMN cases   text[] NOT NULL DEFAULT '{}';

-- A video material (the premises video) arrives in pieces and may be resumed: the pieces are kept
-- as they come, and the page is made when the last one is in. Nothing holds the whole file.
CREATE TABLE video_uploads (
  id              bigserial PRIMARY KEY,
  application_id  bigint NOT NULL REFERENCES applications(id),
  material_code   text NOT NULL,
  idempotency_key text NOT NULL,
  total_bytes     bigint NOT NULL CHECK (total_bytes > 0),
  received_bytes  bigint NOT NULL DEFAULT 0 CHECK (received_bytes <= total_bytes),
  created_by      bigint NOT NULL REFERENCES persons(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (application_id, idempotency_key)
);
CREATE TABLE video_chunks (
  upload_id    bigint NOT NULL REFERENCES video_uploads(id) ON DELETE CASCADE,
  offset_bytes bigint NOT NULL,
  bytes        bytea NOT NULL,
  PRIMARY KEY (upload_id, offset_bytes)
);
ALTER TABLE pages ADD COLUMN video_upload_id bigint REFERENCES video_uploads(id);
