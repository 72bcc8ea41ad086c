"""Benchmark 6: `run_audit` on a Dask cluster: throughput, and memory over consecutive audits.

Run:  python benchmarks/bench_dask.py [--claims 5000] [--audits 3] [--workers 2] [--tuned]
      [--local-cluster]

Starts a scheduler and --workers workers (`dask scheduler` / `dask worker --nworkers 1
--nthreads 1 --no-nanny`, on 127.0.0.1) as separate processes so each one's memory can be read
(with --local-cluster: a `distributed.LocalCluster` of --workers processes with one thread each,
whose scheduler runs in this process, so "scheduler" is then this process), then
runs --audits consecutive audits of the same generated claims (benchmarks/_common.py,
seed 7) from this process. After each audit: wall time, claims/s and the resident memory
(RSS, psutil) of the scheduler and of every worker process (nanny excluded), plus what
the scheduler holds (tasks, computations history, transition log) and each worker's
profile/log history.

--tuned applies the settings that keep the cluster flat (see benchmarks/README.md): the
scheduler keeps no computation history and a short transition log, workers keep no
statistical profile, and glibc returns freed memory (MALLOC_TRIM_THRESHOLD_).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_claims  # noqa: E402

TUNED = {
    "DASK_DISTRIBUTED__DIAGNOSTICS__COMPUTATIONS__MAX_HISTORY": "0",
    "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH": "0",
    "DASK_DISTRIBUTED__ADMIN__LOG_LENGTH": "100",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "MALLOC_TRIM_THRESHOLD_": "65536",
}


def _scheduler_state(dask_scheduler=None):
    s = dask_scheduler
    return {"tasks": len(s.tasks), "computations": len(getattr(s, "computations", ())),
            "transition_log": len(getattr(s, "transition_log", ())),
            "task_groups": len(s.task_groups), "task_prefixes": len(s.task_prefixes)}


def _probe(dask_scheduler=None):
    """Count claim documents still alive in the scheduler and show what holds the first one
    (PROBE=1): this is how the batched streams' message logs were found."""
    import gc

    gc.collect()
    objs = gc.get_objects()
    found = [o for o in objs if isinstance(o, dict) and isinstance(o.get("claim"), dict)]
    chain: list = []
    if found:
        cur = found[0]
        skip = {id(objs), id(found), id(chain)}
        for _ in range(60):
            refs = [r for r in gc.get_referrers(cur) if id(r) not in skip and type(r).__name__ != "frame"]
            skip.add(id(refs))
            if not refs:
                break
            skip.add(id(cur))
            cur = refs[0]
            desc = type(cur).__name__
            if isinstance(cur, dict):
                desc += str(list(cur)[:5])
            elif isinstance(cur, (list, tuple)):
                desc += f"(len {len(cur)})"
            chain.append(desc[:120])
    n = len(found)
    del objs, found
    return {"claims alive": n, "held by": chain}


def _worker_state(dask_worker=None):
    w = dask_worker
    return {"data": len(w.data), "log": len(getattr(w.state, "log", ())),
            "stimulus_log": len(getattr(w.state, "stimulus_log", ())),
            "profile_history": len(getattr(w, "profile_history", ())),
            "tasks": len(w.state.tasks)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--audits", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tuned", action="store_true")
    ap.add_argument("--local-cluster", action="store_true")
    a = ap.parse_args()
    import psutil

    env = dict(os.environ, **(TUNED if a.tuned else {}))
    if a.tuned:
        os.environ.update(TUNED)
    bindir = Path(sys.executable).parent
    tmp = Path(tempfile.mkdtemp(prefix="denialkb-dask-"))
    procs = []
    try:
        jl = tmp / "claims.jsonl"
        with open(jl, "w") as f:
            for d in generate_claims(a.claims):
                f.write(json.dumps(d) + "\n")
        from denialkb.engine.batch import run_audit

        cluster = None
        if a.local_cluster:
            from dask.distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
            addr = cluster
            sched = psutil.Process()
            workers = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
        else:
            sfile = tmp / "scheduler.json"
            procs.append(subprocess.Popen([bindir / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                           "--no-dashboard", "--scheduler-file", sfile], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for _ in range(50):
                if sfile.exists() and sfile.stat().st_size:
                    break
                time.sleep(0.2)
            for _ in range(a.workers):
                procs.append(subprocess.Popen([bindir / "dask", "worker", "--scheduler-file", sfile,
                                               "--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1",
                                               "--no-dashboard", "--no-nanny"], env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            from dask.distributed import Client

            client = Client(scheduler_file=str(sfile))
            client.wait_for_workers(a.workers, timeout=60)
            addr = client.scheduler.address
            sched = psutil.Process(procs[0].pid)
            workers = [psutil.Process(p.pid) for p in procs[1:]]

        def mb(p):
            return round(p.memory_info().rss / 2**20, 1)

        print(f"claims per audit: {a.claims}; scheduler + {a.workers} workers (1 thread each), "
              f"tuned={a.tuned}, local_cluster={a.local_cluster}; load average {os.getloadavg()[0]:.1f}")
        print(f"idle: scheduler {mb(sched)} MB, workers {[mb(w) for w in workers]} MB, client {mb(psutil.Process())} MB")
        digests = set()
        for i in range(a.audits):
            out = tmp / f"out{i}"
            t = time.perf_counter()
            s = run_audit([jl], out, scheduler=addr, progress=False)
            wall = time.perf_counter() - t
            time.sleep(1.0)  # let the cluster settle (forget released tasks)
            digests.add(hashlib.sha256((out / "decisions.jsonl").read_bytes()).hexdigest())
            st = client.run_on_scheduler(_scheduler_state)
            ws = client.run(_worker_state)
            if os.environ.get("PROBE"):
                print(client.run_on_scheduler(_probe))
            print(f"audit {i + 1}: {s.read} claims in {wall:.1f} s ({s.read / wall:.0f} claims/s); "
                  f"scheduler {mb(sched)} MB {st}; workers {[mb(w) for w in workers]} MB "
                  f"{list(ws.values())[0]}; client {mb(psutil.Process())} MB", flush=True)
            shutil.rmtree(out)
        print(f"decisions identical across audits: {len(digests) == 1}")
        client.close()
        if cluster is not None:
            cluster.close()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
