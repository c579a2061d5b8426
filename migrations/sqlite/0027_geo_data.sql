-- Postcode tables and lists of MPs an operator imported (`undersigned geo import`, `geo mps`),
-- each replacing the one built into the binary, for every instance of the service: gzipped
-- CSV, with where it came from and the date it describes.
CREATE TABLE geo_data (
    part        TEXT PRIMARY KEY CHECK (part IN ('postcode_constituencies', 'postcode_councils', 'mps')),
    body        BLOB NOT NULL,
    source      TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    imported_at TEXT NOT NULL
);
