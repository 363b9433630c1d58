-- trawl server: jobs, inventories (per image digest), reports and finding history.

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    -- The scan request's artifact (Harbor), echoed in reports.
    artifact    TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    error       TEXT,
    digest      TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE inventories (
    digest      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    inventory   TEXT NOT NULL,
    stored_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The report of each job, written once (keyed by the job: a job taken over and finished twice writes it once).
CREATE TABLE reports (
    job_id      TEXT PRIMARY KEY REFERENCES jobs (id),
    digest      TEXT NOT NULL,
    db_version  TEXT NOT NULL,
    report      TEXT NOT NULL,
    stored_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The latest report of each image: replaced by each scan and each re-match.
CREATE TABLE image_reports (
    digest      TEXT PRIMARY KEY REFERENCES inventories (digest),
    db_version  TEXT NOT NULL,
    report      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The findings an image has now, and when each appeared or went.
CREATE TABLE findings (
    digest      TEXT NOT NULL,
    finding     TEXT NOT NULL,
    PRIMARY KEY (digest, finding)
);

CREATE TABLE finding_history (
    id          BIGSERIAL PRIMARY KEY,
    digest      TEXT NOT NULL,
    finding     TEXT NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('new', 'gone')),
    db_version  TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX finding_history_digest ON finding_history (digest, id);
