"""How long does the README's quick start take? Run by hand:
``python bench/demo_start.py [--runs 1] [--scale 1.0] [--baseline]``.

Each run is a first start on a fresh machine: a new temporary ``FENGQIAO_DATA_DIR``, then
``fengqiao demo --port <free port>`` in a subprocess, timed from the start until
``/accounts/login/`` answers 200; then the server is stopped. The demo's own progress lines
(``正在写入数据库… <stage>``) are timestamped as they arrive, so the table shows how long each
stage took (until the next line). The child's CPU time is printed too: on a busy 2-core
machine the wall time grows with the load average, the CPU time much less.

``--baseline`` also times ``fengqiao manage migrate`` on an empty data directory in the same
run (what the first start did before it built the schema directly). Target: serving in
under 40 s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TIMEOUT_S = 600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment(data_dir: str) -> dict[str, str]:
    env = {**os.environ, "FENGQIAO_DATA_DIR": data_dir, "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)  # the quick start is the embedded SQLite
    return env


def first_start(scale: float) -> tuple[float, float, list[tuple[float, str]]]:
    """Seconds until the login page answers, the child's CPU seconds, and its timed lines."""
    port = free_port()
    lines: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="fq-demo-start-") as data_dir:
        cpu_before = child_cpu()
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "fengqiao.cli", "demo", "--port", str(port)]
            + ["--scale", str(scale)],
            env=environment(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def read() -> None:
            for line in process.stdout:
                lines.append((time.perf_counter() - started, line.rstrip()))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/accounts/login/"
                    with urllib.request.urlopen(url, timeout=30) as reply:
                        if reply.status == 200:
                            break
                except urllib.error.HTTPError as error:
                    raise SystemExit(f"the demo answered HTTP {error.code}") from None
                except OSError:
                    if process.poll() is not None:
                        raise SystemExit(
                            "the demo stopped:\n" + "\n".join(t for _, t in lines)
                        ) from None
                    if time.perf_counter() - started > TIMEOUT_S:
                        raise SystemExit(f"the demo did not serve in {TIMEOUT_S} s") from None
                    time.sleep(0.1)
            serving = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=60)
            reader.join(timeout=10)
        return serving, child_cpu() - cpu_before, lines


def baseline_migrate() -> tuple[float, float]:
    """Seconds (wall, CPU) of ``fengqiao manage migrate`` on an empty data directory."""
    with tempfile.TemporaryDirectory(prefix="fq-demo-migrate-") as data_dir:
        cpu_before = child_cpu()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "fengqiao.cli", "manage", "migrate", "--verbosity", "0"],
            env=environment(data_dir),
            check=True,
        )
        return time.perf_counter() - started, child_cpu() - cpu_before


def stages(lines: list[tuple[float, str]], serving: float) -> list[tuple[str, float]]:
    """Each progress line and the time until the next line (the last one until serving)."""
    marks = [(at, text) for at, text in lines if text.startswith("正在") or "已启动" in text]
    table = []
    previous_at, previous = 0.0, "启动、建库 / start, schema"
    for at, text in marks:
        table.append((previous, at - previous_at))
        previous_at, previous = at, text.replace("正在写入数据库… ", "").replace("正在", "")
    table.append((previous[:40], serving - previous_at))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--baseline", action="store_true", help="also time a plain migrate")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.baseline:
        wall, cpu = baseline_migrate()
        print(
            f"baseline: fengqiao manage migrate on an empty database {wall:.1f} s ({cpu:.1f} s CPU)"
        )
    for run in range(1, args.runs + 1):
        serving, cpu, lines = first_start(args.scale)
        print(f"\nrun {run}: serving after {serving:.1f} s ({cpu:.1f} s CPU, demo process)")
        for name, seconds in stages(lines, serving):
            print(f"  {seconds:6.1f} s  {name}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
