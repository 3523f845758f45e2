-- A comment (an API document) not updated.
COMMENT ON SCHEMA api IS 'an older comment';
