// A resource server in Node.js that trusts Latchkey without sharing its database:
// - GET /reports verifies a Latchkey JWT locally (jose, createRemoteJWKSet): no call to Latchkey per request, and a
//   revocation reaches it only when the token expires (Latchkey:Jwt:Lifetime, 5 minutes by default);
// - GET /certain asks Latchkey's introspection (RFC 7662) with this server's own machine token, for routes that must
//   refuse a revoked credential at once. The client presents its Latchkey credential there (API key + X-App-Id, or a
//   machine token).
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const latchkeyUrl = process.env.LATCHKEY_URL ?? 'http://localhost:5080';
// Note: the issuer is Latchkey's Latchkey:PublicBaseUrl; it differs from LATCHKEY_URL only behind a proxy.
const issuer = (process.env.LATCHKEY_ISSUER ?? latchkeyUrl).replace(/\/+$/, '');
const audience = process.env.AUDIENCE || undefined;
const introspectionToken = process.env.LATCHKEY_INTROSPECTION_TOKEN;
const port = Number(process.env.PORT ?? 3000);

// Note: fetched once and cached; a token with an unknown kid makes jose fetch again (at most every 30 s). Latchkey
// publishes each key one key lifetime before it signs, so a normal rotation needs no fetch at all.
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', latchkeyUrl));

function bearer(req) {
  const match = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

function refuse(res, error) {
  res.status(401)
    .set('WWW-Authenticate', error ? `Bearer error="${error}"` : 'Bearer')
    .json({ error: error ?? 'unauthorized' });
}

const app = express();
app.disable('x-powered-by');

app.get('/reports', async (req, res) => {
  const token = bearer(req);
  if (!token) {
    return refuse(res);
  }

  try {
    // Note: the algorithm is pinned (no "none", no HMAC with the public key), and so are the issuer and the type.
    const { payload } = await jwtVerify(token, jwks, {
      issuer,
      audience,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'iat', 'sub', 'tid'],
    });
    res.json({ sub: payload.sub, tenant: payload.tid, kind: payload.kind, roles: payload.roles, scope: payload.scope, sid: payload.sid });
  } catch {
    // Note: the reason (expired, bad signature, unknown key) stays here, as Latchkey keeps its own.
    refuse(res, 'invalid_token');
  }
});

app.get('/certain', async (req, res) => {
  const token = bearer(req);
  if (!token) {
    return refuse(res);
  }

  const form = new URLSearchParams({ token });
  const appId = req.get('x-app-id');
  if (appId) {
    form.set('app_id', appId);
  }

  let answer;
  try {
    answer = await fetch(new URL('/v1/introspect', latchkeyUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${introspectionToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  } catch {
    answer = undefined;
  }

  // Note: fail closed: without an answer from Latchkey nothing is granted.
  if (!answer?.ok) {
    return res.status(503).json({ error: 'introspection unavailable' });
  }

  const info = await answer.json();
  if (info.active !== true) {
    return refuse(res, 'invalid_token');
  }

  res.set('Cache-Control', 'no-store').json({ sub: info.sub, tenant: info.tenant_id, kind: info.kind, roles: info.roles, sid: info.sid });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`node-resource-server listening on http://127.0.0.1:${server.address().port} (issuer ${issuer})`);
});
