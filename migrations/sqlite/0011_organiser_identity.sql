-- Who is asking: the organisation named to signers (consent words, emails, pages), its privacy
-- notice and an address to write to. A campaign takes each from its owner's account unless it
-- sets its own, and opens only with all three.
ALTER TABLE users ADD COLUMN organiser_name TEXT;
ALTER TABLE users ADD COLUMN organiser_privacy_url TEXT;
ALTER TABLE users ADD COLUMN organiser_contact_email TEXT;
ALTER TABLE campaigns ADD COLUMN organiser_name TEXT;
ALTER TABLE campaigns ADD COLUMN organiser_privacy_url TEXT;
ALTER TABLE campaigns ADD COLUMN organiser_contact_email TEXT;
