"""Decisions per second over HTTP (``denialkb serve``, 1 and 2 workers) against ``denialkb check``
run once per claim (a process per decision), in one run (issue 19 item 4). Not a test.

    .venv/bin/python benchmarks/bench_serve.py --rounds 3 --requests 300 --concurrency 4 --checks 12

Each round runs every variant once, in rotated order:

- ``serve-1`` / ``serve-2``: ``denialkb serve --workers N`` on 127.0.0.1 (a free port), warmed up
  with every example once, then ``--requests`` POST /v1/check of the example claim documents in
  turn from ``--concurrency`` client threads (httpx, keep-alive); decisions/s = requests / wall time;
- ``check-1``: ``denialkb check FILE --format json`` as a fresh process per claim, one at a time;
- ``check-2``: the same with two processes at a time (as many as the machine has cores).

Every server answer is compared with the record ``denialkb check`` gives for the same claim
(byte-identical, else the run fails). Medians over rounds; ratios are medians of per-round ratios.
The client runs on the same 2 cores as the server, so HTTP figures include its cost. CPU ms per
decision (server process and its workers, via psutil; ``check``: its child processes) does not
depend on the machine's load as decisions/s does.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
DENIALKB = str(Path(sys.executable).with_name("denialkb"))
CLIENT_MS: list = []  # the HTTP client's own CPU ms per request, per server run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_record(path: Path) -> str:
    r = subprocess.run([DENIALKB, "check", "--format", "json", "--kb", str(ROOT / "kb"), str(path)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode in (0, 1), r.stderr
    return r.stdout


class Server:
    """``denialkb serve --workers N`` as a child process (stopped by its pid)."""

    def __init__(self, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([DENIALKB, "serve", "--port", str(self.port), "--workers", str(workers),
                                      "--kb", str(ROOT / "kb")], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("the server did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def server_cpu(server: Server) -> float:
    """CPU seconds (user + system) used so far by the server process and its workers."""
    import psutil

    p = psutil.Process(server.proc.pid)
    procs = [p, *p.children(recursive=True)]
    total = 0.0
    for q in procs:
        try:
            t = q.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_http(server: Server, bodies: list, expected: list, requests: int, concurrency: int) -> tuple:
    import httpx

    local = threading.local()

    def client():
        if not hasattr(local, "c"):
            local.c = httpx.Client(base_url=server.url, timeout=60)
        return local.c

    def one(i):
        k = i % len(bodies)
        r = client().post("/v1/check", content=bodies[k])
        if r.text != expected[k]:
            raise AssertionError(f"record differs for {EXAMPLES[k].name}")

    with ThreadPoolExecutor(concurrency) as pool:  # warm-up: every claim's engine built in every worker (8 passes:
        # each keep-alive connection stays with one worker)
        list(pool.map(one, range(len(bodies) * 8)))
        cpu0, t, own0 = server_cpu(server), time.perf_counter(), time.process_time()
        list(pool.map(one, range(requests)))
        wall = time.perf_counter() - t
        CLIENT_MS.append((time.process_time() - own0) * 1000 / requests)
        return requests / wall, (server_cpu(server) - cpu0) * 1000 / requests


def run_check(n: int, parallel: int) -> tuple:
    import resource

    files = [EXAMPLES[i % len(EXAMPLES)] for i in range(n)]
    ru0, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(cli_record, files))
    wall = time.perf_counter() - t
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return n / wall, ((ru.ru_utime - ru0.ru_utime) + (ru.ru_stime - ru0.ru_stime)) * 1000 / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300, help="HTTP requests per round and server")
    ap.add_argument("--concurrency", type=int, default=4, help="client threads")
    ap.add_argument("--checks", type=int, default=12, help="denialkb check processes per round and variant")
    args = ap.parse_args()

    bodies = [p.read_bytes() for p in EXAMPLES]
    expected = [cli_record(p) for p in EXAMPLES]
    load_start = os.getloadavg()
    rates: dict[str, list] = {"serve-1": [], "serve-2": [], "check-1": [], "check-2": []}
    cpu: dict[str, list] = {v: [] for v in rates}
    variants = list(rates)
    for rnd in range(args.rounds):
        order = variants[rnd % 4:] + variants[:rnd % 4]
        for v in order:
            if v.startswith("serve"):
                srv = Server(int(v[-1]))
                try:
                    rate, ms = run_http(srv, bodies, expected, args.requests, args.concurrency)
                finally:
                    srv.stop()
            else:
                rate, ms = run_check(args.checks, int(v[-1]))
            rates[v].append(rate)
            cpu[v].append(ms)
            print(f"round {rnd + 1} {v}: {rate:.1f} decisions/s, {ms:.1f} CPU ms per decision",
                  file=sys.stderr, flush=True)
    load_end = os.getloadavg()

    def ratio(a, b, table=rates):
        return statistics.median(x / y for x, y in zip(table[a], table[b], strict=True))

    print(f"\n{len(EXAMPLES)} example claims; {args.rounds} rounds; {args.requests} requests per server and round "
          f"from {args.concurrency} client threads; {args.checks} check processes per round")
    print(f"load average (1, 5, 15 min): start {' '.join(f'{x:.1f}' for x in load_start)}, "
          f"end {' '.join(f'{x:.1f}' for x in load_end)}; {os.cpu_count()} CPUs\n")
    print("| variant | decisions/s (median) | per round | server CPU ms per decision (median) |")
    print("|---|---|---|---|")
    for v in variants:
        print(f"| {v} | {statistics.median(rates[v]):.1f} | {', '.join(f'{x:.1f}' for x in rates[v])} | "
              f"{statistics.median(cpu[v]):.1f} |")
    print(f"\nthe HTTP client's own CPU: {statistics.median(CLIENT_MS):.1f} ms per request (median; "
          f"{', '.join(f'{x:.1f}' for x in CLIENT_MS)})")
    print("\n| ratio (median of per-round ratios) | decisions/s | CPU ms per decision |")
    print("|---|---|---|")
    for a, b in (("serve-1", "check-1"), ("serve-2", "check-2"), ("serve-2", "serve-1"), ("check-2", "check-1")):
        print(f"| {a} / {b} | {ratio(a, b):.2f}x | {ratio(a, b, cpu):.3f}x |")


if __name__ == "__main__":
    main()
