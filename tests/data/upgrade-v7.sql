-- a database written by 111cd36 (2026-12-06) at schema version 7
-- API key: rk_7rmry6t5_9y6z19ykhfm44bcem2davq9pf97g18yg
-- The rows only (sqlite3 .dump, CREATE statements left out): the schema of a version-7 database
-- is migrations 0001 to 0007 (src/store/sql/, never edited once released), which upgrade.sh
-- applies first; schema_migrations is the store's own table (src/store/store_sqlite.c).
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
INSERT INTO schema_migrations VALUES(1,'0001-core.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(2,'0002-inbound.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(3,'0003-notify.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(4,'0004-promise.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(5,'0005-page.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(6,'0006-consent.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(7,'0007-support.sqlite.sql',1796640878);
INSERT INTO merchants VALUES(1,'Tienda Sol','Europe/Madrid','es','{}',1796640878);
INSERT INTO api_keys VALUES(1,1,'rk_7rmry6t5',X'a131c7c051dc00b0fbc2e9edddd25fa4d7b9570df00726da8abe0db41889f5fe',7,1796640878,NULL);
INSERT INTO customers VALUES(1,1,'Javier Martín','javier@example.es','+34612345678','es','sms',1796640879,1796640879,NULL,NULL);
INSERT INTO orders VALUES(1,1,'OLD-1','RX-42QF-BS0A-MFZAQ',1,1796115600,0,'28013','Madrid','MAD','ES','[]','placed','in_transit','api',X'4c052960128accd5a50c6d576ca6da1411922e89dbeb5dd97bac151cceda96b1',1796640879,1796640879);
INSERT INTO shipments VALUES(1,1,1,'correos','OLDQ1',NULL,NULL,NULL,'BCN','ES','in_transit','',0,1796202000,1796202000,1796202000,0,0,1,'api',1796640879,1796640879);
INSERT INTO events VALUES(1,1,1,1796202000,0,1796640879,'in_transit','',0,NULL,NULL,NULL,NULL,NULL,'api',X'cb1feecf3911a89d5b591ca796ddbaf8');
INSERT INTO notify_settings VALUES(1,replace('{"public_base_url":"http://127.0.0.1:9","merchant_name":"Tienda Sol","timezone":"Europe/Madrid",\012 "email":{"smtp_url":"smtp://127.0.0.1:9","starttls":"none","from":"Tienda Sol <avisos@tienda-sol.example.es>",\012          "reply_to":"ayuda@tienda-sol.example.es,pedidos@tienda-sol.example.es"},\012 "sms":{"provider":"twilio","base_url":"http://127.0.0.1:9","account_sid":"AC3f9d1c2b7a8e4f6a0b5c9d8e7f6a5b4c",\012        "auth_token":"2f8a6c1e9b3d4f5a7c0e1b2d3f4a5c6e","messaging_service_sid":"MG7e2a9c4b1d3f5e8a6c0b2d4f6a8c0e1b"},\012 "webhook":{"url":"http://127.0.0.1:9/webhooks/rastro","secret":"whsec_OmnWCGzozlLHDfoWvqXOPjXwQEHjQ1WrLD+Mf2NpSxk="},\012 "triggers":{"*":["sms"],"shipped":["sms","webhook"],"out_for_delivery":["sms","webhook"]},\012 "channel_order":["sms"],"retry":{"base_s":1,"max_delay_s":2,"max_attempts":2,"max_retry_after_s":30},\012 "templates":{"es":"=== out_for_delivery.sms.text\nHola {{first_name}}, tu pedido {{order_ref}} llega hoy: {{tracking_url}}\n"},\012 "timeout_s":2}\012','\012',char(10)),1796640878);
INSERT INTO outbox VALUES(1,1,1,NULL,1,'order_confirmed','sms',0,'sms','','','es','queued',NULL,0,0,0,1796640879,0,NULL,NULL,NULL,NULL,NULL,'6de4c2da6a01ff8f9e6b0fa536b5bd8d','o1:order_confirmed:-',NULL,1796640879,1796640879,NULL,NULL,NULL);
INSERT INTO outbox VALUES(2,1,1,1,1,'shipped','sms',0,'sms','in_transit','','es','queued',NULL,0,0,0,1796640879,0,NULL,NULL,NULL,NULL,NULL,'d2ab9e2f36636f9b203b215c4cadfb9e','s1:shipped:in_transit',NULL,1796640879,1796640879,NULL,NULL,NULL);
INSERT INTO outbox VALUES(3,1,1,1,1,'shipped','webhook',0,'webhook','in_transit','','es','queued',NULL,0,0,0,1796640879,0,NULL,NULL,NULL,NULL,NULL,NULL,'s1:shipped:in_transit:webhook',NULL,1796640879,1796640879,NULL,NULL,NULL);
INSERT INTO promise_settings VALUES(1,0.99899999999999999911,NULL,'9:05','[]','[]',1796640878);
INSERT INTO incidents VALUES(1,1,1,'late','open','api',NULL,NULL,NULL,NULL,1796813679,1796640879,1796640879,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO conversations VALUES(1,1,1,'+34612345678','javier@example.es','phone',NULL,'es','bot',NULL,1,NULL,NULL,NULL,NULL,1796640879,1796640879,1796640879,1796640879);
INSERT INTO messages VALUES(1,1,1,'out','sms','system',NULL,'Hemos recibido tu aviso sobre el pedido OLD-1 (retraso en la entrega). Tu referencia es INC-000001 y te responderemos en menos de 48 horas.',0,NULL,NULL,NULL,1,NULL,'queued',0,1796640879,0,NULL,NULL,1796640879,NULL,NULL);
INSERT INTO messages VALUES(2,1,1,'in','phone','customer',NULL,'Llamó preguntando por el pedido',0,'missing_item',0.40093845129013061523,'{}',NULL,NULL,NULL,0,NULL,0,NULL,NULL,1796640879,NULL,NULL);
INSERT INTO incident_log VALUES(1,1,'created','api',NULL,'open',NULL,1796640879);
INSERT INTO incident_log VALUES(2,1,'reply','api',NULL,NULL,'Hemos recibido tu aviso sobre el pedido OLD-1 (retraso en la entrega). Tu referencia es INC-000001 y te responderemos en menos de 48 horas.',1796640879);
INSERT INTO support_settings VALUES(1,'{"sla_hours":{"lost":12},"retention_days":730}',1796640879);
COMMIT;

