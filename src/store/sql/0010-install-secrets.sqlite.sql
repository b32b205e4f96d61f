-- 0010-install-secrets: keys of this installation, made once from the CSPRNG and shared by every
-- node on the same database. "track_token": the HMAC key of the tracking page's verification
-- tokens (app/track_token.h), so that a verified link carries a token, not the customer's e-mail.
CREATE TABLE install_secrets (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
