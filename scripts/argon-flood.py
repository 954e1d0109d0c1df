# Reproduces issue 12 item 5 against a running ccsync: 100 parallel wrong
# PUT /auth/password, then 10 source addresses x 10 parallel wrong logins;
# samples the server's VmRSS every 20 ms and prints the peak and statuses.
#
#   CCSYNC_ADMIN_PASSWORD=admin-pass-123456 ccsync serve --demo --data /tmp/m --addr 127.0.0.1:18181 &
#   scripts/wait-demo-sync.sh && python3 scripts/argon-flood.py $(pgrep -f 'ccsync serve')
import json, sys, threading, time, http.client, collections
pid, base = int(sys.argv[1]), "127.0.0.1:18181"
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1]) // 1024
peak = [0]; stop = [False]
def sampler():
    while not stop[0]:
        peak[0] = max(peak[0], rss()); time.sleep(0.02)
def req(method, path, body, headers, src="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", 18181, source_address=(src, 0), timeout=60)
    h = {"Content-Type": "application/json", "Origin": "http://" + base}; h.update(headers)
    c.request(method, path, json.dumps(body), h); r = c.getresponse(); r.read()
    return r.status, r.getheader("Set-Cookie"), r
c = http.client.HTTPConnection("127.0.0.1", 18181)
c.request("POST", "/api/v1/auth/login", json.dumps({"name": "admin", "password": "admin-pass-123456"}), {"Content-Type": "application/json", "Origin": "http://"+base})
resp = c.getresponse(); info = json.loads(resp.read()); cookie = resp.getheader("Set-Cookie").split(";")[0]
hdr = {"Cookie": cookie, "X-CSRF-Token": info["csrf_token"]}
def run(n, fn):
    res = collections.Counter(); ths = []
    def one(i):
        s = fn(i); res[s] += 1
    for i in range(n):
        t = threading.Thread(target=one, args=(i,)); t.start(); ths.append(t)
    for t in ths: t.join()
    return dict(res)
base_rss = rss()
threading.Thread(target=sampler, daemon=True).start()
a = run(100, lambda i: req("PUT", "/api/v1/auth/password", {"current": "wrong-password-000", "new": "another-password-123"}, hdr)[0])
p1 = peak[0]; peak[0] = 0
b = run(100, lambda i: req("POST", "/api/v1/auth/login", {"name": "admin", "password": "wrong-password-%d" % i}, {}, src="127.0.%d.1" % (10 + i // 10))[0])
p2 = peak[0]; stop[0] = True
print(json.dumps({"rss_before_mib": base_rss, "password_changes": a, "peak_mib_password": p1, "logins_10x10": b, "peak_mib_logins": p2}))
