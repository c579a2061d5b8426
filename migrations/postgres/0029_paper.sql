-- Signatures collected on paper at events and in schools, entered by staff: the sheet they
-- are on, the day they were collected, who entered them, and for a child under 13 that a
-- parent or carer signed the sheet. A paper signature counts as one made online does, and is
-- counted apart too, so that the count can say how many of its signatures are on paper
-- without reading the signatures.
ALTER TABLE signatures ADD COLUMN paper_sheet TEXT;
ALTER TABLE signatures ADD COLUMN collected_on TEXT;
ALTER TABLE signatures ADD COLUMN entered_by UUID;
ALTER TABLE signatures ADD COLUMN parent_signed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE campaign_counts ADD COLUMN confirmed_paper BIGINT NOT NULL DEFAULT 0;
