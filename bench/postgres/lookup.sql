-- The one query of an authenticated request (EfSessionStore.FindByKeyId): a session by its key id, joined with its
-- user's authentication columns. Random existing keys of the seeded database.
\set u random(0, :users - 1)
SELECT s.id, s.app_id, s.key_digest, s.last_used_at, s.expires_at, u.id, u.tenant_id, u.login, u.kind, u.role,
       u.scopes, u.disabled, s.credential_version <> u.credential_version
FROM api_user_key AS s INNER JOIN users AS u ON s.user_id = u.id
WHERE s.key_id = substr(md5('k' || :u || '-1'), 1, 26)
LIMIT 1;
