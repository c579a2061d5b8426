-- An erased signature is told apart from a withdrawn one in listings and exports.
ALTER TABLE signatures ADD COLUMN erased_at TIMESTAMPTZ;
