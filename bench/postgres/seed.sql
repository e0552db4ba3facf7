-- Fills a migrated Latchkey database with :tenants tenants of 10 users each and 1 session per user (4 for every
-- tenth), plus 20 audit entries per tenant, with values of realistic size. Used by bench/postgres/run.sh.
INSERT INTO tenants (id, name, contact_email, created_at)
SELECT md5('t' || i)::uuid, 'Tenant ' || i, 'billing' || i || '@example.com', now()
FROM generate_series(1, :tenants) i;

INSERT INTO users (id, tenant_id, kind, login, name, secret_verifier, role, scopes, disabled, credential_version, created_at, last_used_at)
SELECT md5('u' || i)::uuid, md5('t' || (i / 10 + 1))::uuid, 0, 'user' || i || '@example' || (i / 10) || '.com', NULL,
       '$argon2id$v=19$m=19456,t=2,p=1$' || substr(encode(sha256(('s' || i)::bytea), 'base64'), 1, 22) || '$'
         || substr(encode(sha256(('h' || i)::bytea), 'base64'), 1, 43),
       CASE WHEN i % 10 = 0 THEN 2 ELSE 0 END, '', false, 0, now(), now()
FROM generate_series(0, :tenants * 10 - 1) i;

INSERT INTO api_user_key (id, user_id, tenant_id, app_id, app_name, key_id, key_digest, credential_version, created_at, last_used_at, expires_at)
SELECT md5('s' || u || '-' || a)::uuid, md5('u' || u)::uuid, md5('t' || (u / 10 + 1))::uuid,
       'app-' || substr(md5('a' || u || '-' || a), 1, 16), 'Firefox on laptop',
       substr(md5('k' || u || '-' || a), 1, 26), sha256(('d' || u || '-' || a)::bytea), 0, now(), now(), now() + interval '30 days'
FROM generate_series(0, :tenants * 10 - 1) u, generate_series(1, 4) a
WHERE a = 1 OR u % 10 = 0;

INSERT INTO audit_log (id, tenant_id, at, event, actor_user_id, subject_user_id, app_id, ip_address, detail)
SELECT md5('e' || i || '-' || j)::uuid, md5('t' || i)::uuid, now(), 'session.created', md5('u' || (i * 10))::uuid,
       md5('u' || (i * 10))::uuid, 'app-' || substr(md5('a' || i || '-' || j), 1, 16), '203.0.113.' || (j % 250),
       'session ' || md5('s' || i || '-' || j)::uuid
FROM generate_series(1, :tenants) i, generate_series(1, 20) j;

VACUUM ANALYZE;
