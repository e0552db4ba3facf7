#!/usr/bin/env python3
"""The revocation check of bench/cluster.sh, run alongside wrk: every INTERVAL seconds one session of victims.txt
(seeded, and never used by wrk) is
  1. used once on every instance directly (GET PATH: 200, so every instance has it in its credential cache),
  2. revoked through the balancer (DELETE /v1/sessions/current with the session's own key: 204),
  3. used again on every instance directly, right after the revoke returned: a 2xx is a violation of
     "revocation is enforced by every instance from the very next request after the revoking call returns".
Prints one summary line: revocations, accepted after revoke (must be 0), and how many warm-ups were not 200.

    revoke-check.py BALANCER_URL INSTANCE_URLS(comma-separated) VICTIMS_FILE INTERVAL_S DURATION_S [PATH=/v1/me]
"""
import http.client, sys, threading, time
from urllib.parse import urlsplit

balancer, instances, victims_file, interval, duration = sys.argv[1], sys.argv[2].split(","), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
path = sys.argv[6] if len(sys.argv) > 6 else "/v1/me"
victims = [line.split() for line in open(victims_file) if line.strip()]


class Client:
    def __init__(self, url):
        self.netloc = urlsplit(url).netloc
        self.conn = http.client.HTTPConnection(self.netloc, timeout=10)

    def send(self, method, token, app):
        headers = {"Authorization": f"Bearer {token}", "X-App-Id": app}
        for attempt in range(2):
            try:
                self.conn.request(method, path if method == "GET" else "/v1/sessions/current", headers=headers)
                response = self.conn.getresponse()
                response.read()
                return response.status
            except (ConnectionError, http.client.HTTPException, OSError):
                # Note: a keep-alive connection the server closed; one new connection, then the error counts.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.netloc, timeout=10)
        return 0


# Note: one revocation starts every INTERVAL whatever the latency: each runs on a thread of its own with connections
# of its own (a busy instance may take longer than INTERVAL to answer the seven requests of one check).
counts = {"revoked": 0, "accepted": 0, "odd": 0, "cold": 0, "failed_revokes": 0}
lock = threading.Lock()


def check(token, app):
    direct = [Client(url) for url in instances]
    through = Client(balancer)
    cold = sum(c.send("GET", token, app) != 200 for c in direct)
    status = through.send("DELETE", token, app)
    after = [c.send("GET", token, app) for c in direct] if status == 204 else []
    with lock:
        counts["cold"] += cold
        counts["failed_revokes"] += status != 204
        counts["revoked"] += status == 204
        counts["accepted"] += sum(200 <= s < 300 for s in after)
        counts["odd"] += sum(s != 401 and not 200 <= s < 300 for s in after)


workers = []
start = time.monotonic()
for i, (token, app) in enumerate(victims):
    at = start + i * interval
    if at >= start + duration:
        break
    time.sleep(max(0.0, at - time.monotonic()))
    worker = threading.Thread(target=check, args=(token, app))
    worker.start()
    workers.append(worker)
else:
    print("revoke-check: ran out of victims before the end of the run", file=sys.stderr)
for worker in workers:
    worker.join()

print(f"Revocations: {counts['revoked']} (one started every {interval * 1000:.0f} ms), accepted after revoke: {counts['accepted']}, "
      f"neither 2xx nor 401 after revoke: {counts['odd']}, warm-ups not 200: {counts['cold']}, revokes not 204: {counts['failed_revokes']}")
