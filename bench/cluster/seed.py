#!/usr/bin/env python3
"""Generates the credentials of bench/cluster.sh in bulk, in the exact format Latchkey issues and verifies, as
PostgreSQL COPY files (text format) and a token file for wrk.

    seed.py OUT_DIR SESSIONS MACHINES VICTIMS

  tenants.copy, users.copy, api_user_key.copy   COPY ... FROM these (columns listed in cluster.sh)
  tokens.txt       one credential a line, in random order (line number = Zipf rank):
                   "<token> <app id>" for a session, "<token> -" for a machine token
  victims.txt      VICTIMS more sessions, not in tokens.txt, for the revocation check: "<token> <app id>"

Token (src/Latchkey.Core/Credentials/TokenFormat.cs): <prefix><public part><secret part><checksum>, lower-case
RFC 4648 base32 without padding: public part 16 random bytes (the key id, or the machine user's login), secret part
32 random bytes (stored only as its SHA-256: api_user_key.key_digest, or users.secret_verifier "$sha256$<base64>"),
checksum the CRC-32 (little-endian, System.IO.Hashing.Crc32) of the ASCII text before it.
Each human user has 10 sessions (10 app instances), each tenant 10 human users; machine users are spread over the tenants.
"""
import base64, hashlib, os, random, sys, uuid, zlib
from datetime import datetime, timedelta, timezone

out, sessions, machines, victims = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
SESSIONS_PER_USER = 10
USERS_PER_TENANT = 10
now = datetime.now(timezone.utc)
ts = now.isoformat()
expires = (now + timedelta(days=30)).isoformat()


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()


def token(prefix: str):
    raw = os.urandom(48)
    public, secret = b32(raw[:16]), raw[16:]
    body = prefix + public + b32(secret)
    return public, body + b32(zlib.crc32(body.encode()).to_bytes(4, "little")), hashlib.sha256(secret).digest()


humans = (sessions + victims + SESSIONS_PER_USER - 1) // SESSIONS_PER_USER
tenants = max(1, (humans + USERS_PER_TENANT - 1) // USERS_PER_TENANT)
tenant_ids = [uuid.uuid4() for _ in range(tenants)]
with open(f"{out}/tenants.copy", "w") as f:
    for i, t in enumerate(tenant_ids):
        f.write(f"{t}\tBench tenant {i}\t\\N\t{ts}\n")

# users: id, tenant_id, kind, login, name, secret_verifier, role, scopes, disabled, credential_version, created_at
human_ids = [uuid.uuid4() for _ in range(humans)]
lines = []  # (token line) for tokens.txt
with open(f"{out}/users.copy", "w") as f:
    for i, u in enumerate(human_ids):
        # Note: "!" is no password hash: nobody logs in as a seeded user; they only have sessions.
        role = 2 if i % USERS_PER_TENANT == 0 else 0
        f.write(f"{u}\t{tenant_ids[i // USERS_PER_TENANT]}\t0\tuser{i}@bench.invalid\t\\N\t!\t{role}\t\tf\t0\t{ts}\n")
    for i in range(machines):
        public, tok, digest = token("lk_mach_")
        verifier = "$sha256$" + base64.b64encode(digest).decode()
        f.write(f"{uuid.uuid4()}\t{tenant_ids[i % tenants]}\t1\t{public}\tbench machine {i}\t{verifier}\t0\t\tf\t0\t{ts}\n")
        lines.append(f"{tok} -\n")

# api_user_key: id, user_id, tenant_id, app_id, app_name, key_id, key_digest, credential_version, created_at,
# last_used_at, expires_at, amr, auth_time
victim_lines = []
with open(f"{out}/api_user_key.copy", "w") as f:
    for n in range(sessions + victims):
        u = n // SESSIONS_PER_USER
        app = f"bench-app-{n}"
        public, tok, digest = token("lk_key_")
        f.write(f"{uuid.uuid4()}\t{human_ids[u]}\t{tenant_ids[u // USERS_PER_TENANT]}\t{app}\twrk\t{public}\t\\\\x{digest.hex()}"
                f"\t0\t{ts}\t{ts}\t{expires}\tpwd\t{ts}\n")
        (lines if n < sessions else victim_lines).append(f"{tok} {app}\n")

random.shuffle(lines)
with open(f"{out}/tokens.txt", "w") as f:
    f.writelines(lines)
with open(f"{out}/victims.txt", "w") as f:
    f.writelines(victim_lines)
