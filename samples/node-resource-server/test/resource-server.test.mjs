// The suite's consumer in another language: starts a real Latchkey.Server (the built dll, on a SQLite file of its
// own) and this Express server, and checks what a Node.js service relies on. Run by ./test.sh after `npm ci`;
// alone: build the solution, then `npm test` here. LATCHKEY_SERVER_DLL and LATCHKEY_CLI_DLL override where the built
// server and tool are looked for (Debug by default).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, generateKeyPair, decodeProtectedHeader, decodeJwt } from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const configuration = process.env.LATCHKEY_CONFIGURATION ?? 'Debug';
const serverDll = process.env.LATCHKEY_SERVER_DLL ?? join(root, 'src', 'Latchkey.Server', 'bin', configuration, 'net10.0', 'Latchkey.Server.dll');
const cliDll = process.env.LATCHKEY_CLI_DLL ?? join(root, 'src', 'Latchkey.Cli', 'bin', configuration, 'net10.0', 'latchkey.dll');
// Note: long enough to outlast the tool's start-up on a loaded machine (the old token is checked after the rotation).
const lifetimeSeconds = 30;

const children = [];
let directory;
let latchkey;
let resource;
let latchkeyEnv;
let owner;
let ownerAppId;

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  child.output = () => output;
  children.push(child);
  return child;
}

async function until(what, check, limitMs = 60_000) {
  const started = Date.now();
  for (;;) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch {
      // not yet
    }

    if (Date.now() - started > limitMs) {
      throw new Error(`timed out waiting for ${what}`);
    }

    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call(method, path, { body, token, appId, base = latchkey } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  if (appId) headers['x-app-id'] = appId;
  const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function jwt() {
  const answer = await call('POST', '/v1/token', { token: owner, appId: ownerAppId });
  assert.equal(answer.status, 200);
  return answer.body.access_token;
}

before(async () => {
  for (const dll of [serverDll, cliDll]) {
    assert.ok(existsSync(dll), `${dll} is not built (build the solution first)`);
  }

  directory = mkdtempSync(join(tmpdir(), 'latchkey-node-'));
  const port = await freePort();
  latchkey = `http://127.0.0.1:${port}`;
  latchkeyEnv = {
    ASPNETCORE_ENVIRONMENT: 'Production',
    ConnectionStrings__Latchkey: `Data Source=${join(directory, 'latchkey.db')}`,
    Latchkey__PublicBaseUrl: latchkey,
    Latchkey__Jwt__Lifetime: `00:00:${String(lifetimeSeconds).padStart(2, '0')}`,
    Latchkey__Passwords__Argon2Iterations: '1',
    Latchkey__Passwords__Argon2MemoryKiB: '8',
    Logging__LogLevel__Default: 'Warning',
  };
  const server = start('dotnet', [serverDll, '--urls', latchkey], latchkeyEnv);
  await until('Latchkey to answer /healthz', async () => {
    assert.equal(server.exitCode, null, server.output());
    return (await fetch(`${latchkey}/healthz`)).ok;
  });

  const login = 'owner@example.com';
  const password = 'correct horse battery staple';
  assert.equal((await call('POST', '/v1/signup', { body: { tenant: 'Acme', login, password } })).status, 201);
  ownerAppId = 'node-test-app-1';
  const session = await call('POST', '/v1/login', { body: { login, password, appId: ownerAppId, appName: 'node test' } });
  assert.equal(session.status, 201);
  owner = session.body.apiKey;
  const machine = await call('POST', '/v1/machine-users', {
    token: owner, appId: ownerAppId, body: { name: 'node-resource-server', scopes: ['latchkey:introspect'] },
  });
  assert.equal(machine.status, 201);

  const resourcePort = await freePort();
  resource = `http://127.0.0.1:${resourcePort}`;
  const node = start(process.execPath, [join(here, '..', 'server.mjs')], {
    LATCHKEY_URL: latchkey, LATCHKEY_INTROSPECTION_TOKEN: machine.body.token, PORT: String(resourcePort),
  });
  await until('the Node server to listen', () => node.output().includes('listening'));
});

after(() => {
  for (const child of children) {
    child.kill();
  }

  if (directory) {
    rmSync(directory, { recursive: true, force: true });
  }
});

const reports = (token) => call('GET', '/reports', { token, base: resource });

test('a valid JWT is accepted, and one with alg none, a tampered payload or an unknown key is refused', async () => {
  const token = await jwt();
  const accepted = await reports(token);
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.kind, 'human');
  assert.deepEqual(accepted.body.roles, ['owner']);

  const [header, payload, signature] = token.split('.');
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  assert.equal((await reports(`${none}.${payload}.`)).status, 401);

  const claims = decodeJwt(token);
  const changed = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
  assert.equal((await reports(`${header}.${changed}.${signature}`)).status, 401);

  // Note: a key of our own, once under an unknown kid and once under Latchkey's current kid.
  const { privateKey } = await generateKeyPair('ES256');
  for (const kid of ['not-a-latchkey-key', decodeProtectedHeader(token).kid]) {
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .sign(privateKey);
    assert.equal((await reports(forged)).status, 401);
  }
});

test('after a key rotation the previous key still verifies until its tokens expire, and new tokens carry the new kid', async () => {
  const old = await jwt();
  const oldKid = decodeProtectedHeader(old).kid;
  assert.equal((await reports(old)).status, 200);

  const rotated = start('dotnet', [cliDll, 'jwt', 'rotate-now'], latchkeyEnv);
  const code = await new Promise((done) => rotated.on('exit', done));
  assert.equal(code, 0, rotated.output());

  assert.equal((await reports(old)).status, 200, 'a token of the previous key verifies until it expires');

  // Note: the server instance takes the change over within its key refresh (10 s), on a condition, not a sleep.
  const fresh = await until('a token signed by the new key', async () => {
    const token = await jwt();
    return decodeProtectedHeader(token).kid !== oldKid ? token : undefined;
  });
  assert.equal((await reports(fresh)).status, 200);

  const { exp } = decodeJwt(old);
  await until('the old token to expire', () => Date.now() >= (exp + 1) * 1000, (lifetimeSeconds + 5) * 1000);
  assert.equal((await reports(old)).status, 401, 'an expired token is refused');
});

test('a revoked session is refused at once on the introspection route', async () => {
  const login = await call('POST', '/v1/login', {
    body: { login: 'owner@example.com', password: 'correct horse battery staple', appId: 'node-test-app-2' },
  });
  assert.equal(login.status, 201);
  const key = login.body.apiKey;
  const certain = () => call('GET', '/certain', { token: key, appId: 'node-test-app-2', base: resource });

  const before = await certain();
  assert.equal(before.status, 200);
  assert.equal(before.body.kind, 'human');
  assert.equal((await call('GET', '/certain', { token: key, appId: 'another-app-id', base: resource })).status, 401);

  assert.equal((await call('DELETE', '/v1/sessions/current', { token: key, appId: 'node-test-app-2' })).status, 204);
  assert.equal((await certain()).status, 401);
});
