-- 0021-optout-suppressed: opt-outs that outlive the customer record. Erasing a customer deletes
-- their opt-outs with everything else, and an SMS/WhatsApp STOP from a number no customer has yet
-- was recorded nowhere: either way the same person ordering again became a new customer who had
-- never said STOP, and was texted again. A row here keeps only a one-way key of the address
-- (rs_optout_key(merchant, address): hex SHA-256 of "merchant:address", the e-mail in lower case,
-- the phone in E.164), never the address itself. A new customer with that address starts opted out
-- of that channel; opting back in (START, the tracking page) deletes the row.
CREATE TABLE notify_suppressed (
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  channel      TEXT NOT NULL,          -- email, sms, whatsapp
  addr_key     TEXT NOT NULL,
  source       TEXT NOT NULL,          -- the opt-out's own source (sms_stop, email_one_click, ...)
  created_at   INTEGER NOT NULL,       -- when the person opted out
  PRIMARY KEY (merchant_id, channel, addr_key)
) WITHOUT ROWID;
