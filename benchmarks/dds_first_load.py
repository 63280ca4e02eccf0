"""A first load of a million journal lines and more (issue 71): ``intacct sync --objects
GLENTRY`` through one Data Delivery Service job against paging, under the benchmarks'
latency model.

GLDETAIL is the object such a load is about, but DDS does not serve it (a view: Sage's
"DDS Objects" list has GLENTRY and GLBATCH instead, and so does the emulator), so the
rows are GLENTRY's: the same journal lines, one a row.

Three processes, each measured apart: the emulator (``intacct emulator serve --db FILE
--latency-ms 300 --latency-per-row-us 500 --max-concurrency C``, the demo company
seeded once per size into ``.cache/bench-dds/`` at ``--scale rows / 0.24``, GLENTRY's
share), moto's S3 server (``python -m moto.server``), the DDS target's bucket, and the
sync (``python -m intacct.cli sync --objects GLENTRY``, ``INTACCT_MAX_CONCURRENCY=C``).
The sync's CPU and peak RSS are its own (``wait4``); the emulator's and moto's CPU come
from ``/proc`` (the emulator's is mostly the job's export: reading, printing and
writing the CSV files). API transactions are the emulator's bill for the run.

``--reader`` also reads the last DDS run's files alone (``DdsReader``, no destination)
in a process of its own: its peak RSS and the most memory Arrow's pool held, which a
file read a block at a time keeps flat whatever the file's size.

Usage: ``python benchmarks/dds_first_load.py [--rows 1000000] [--repeat 3]
[--ways dds,paged] [--concurrency 2] [--reader] [--no-write]``; prints a row a run and
the medians (with ``--no-write``, without writing BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sync_duckdb import environment

from _report import write_section

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench-dds"
#: GLENTRY's rows a unit of --scale (12,070 at 50,000; 72,100 at 300,000)
SHARE = 0.24
BUCKET, PREFIX, TARGET = "bench-dds", "intacct/dds", "AWS-S3-DDS"
#: moto's server runs without its IAM checks here: any key signs
KEY = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret"}
LATENCY_MS, PER_ROW_US, PAGE = 300, 500, 2000

Run = dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_s(pid: int) -> float:
    """A process's user + system CPU so far (its threads' included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def control(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    base = url.replace("/ia/xml/xmlgw.phtml", "/_emulator/")
    data = None if body is None else json.dumps(body).encode()
    method = "GET" if body is None else "POST"
    headers = {"content-type": "application/json"}
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback)
        return json.load(answer)


def serve(rows: int, concurrency: int, cache: Path) -> tuple[subprocess.Popen[str], str, float]:
    """The emulator on the company of ``rows`` GLENTRY rows, its file in ``cache``
    (seeded on first use: the seconds it took, else 0)."""
    scale = round(rows / SHARE)
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"demo-{scale}.sqlite"
    fresh = not db.exists()
    command = [
        sys.executable, "-m", "intacct.cli", "emulator", "serve", "--port", "0",
        "--db", str(db), "--scale", str(scale), "--latency-ms", str(LATENCY_MS),
        "--latency-per-row-us", str(PER_ROW_US), "--max-concurrency", str(concurrency),
    ]  # fmt: skip
    began = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().rsplit(" ", 1)[1].strip()
    return proc, url, (time.perf_counter() - began) if fresh else 0.0


def moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()  # noqa: S310
            return proc, url
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto's server did not start")


def s3(url: str, code: str) -> Any:
    """``code`` run with boto3's client ``s3`` in a process of its own (boto3 would
    raise this process's RSS, which Linux gives each child as its first peak); the
    JSON it prints."""
    script = (
        "import boto3, json\n"
        f"s3 = boto3.client('s3', endpoint_url={url!r}, region_name='us-east-1')\n{code}"
    )
    done = subprocess.run([sys.executable, "-c", script], env=os.environ | KEY,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout or "null")


def emptied(url: str) -> None:
    """The bucket, made or emptied of an earlier run's files."""
    s3(url, (
        f"b = {BUCKET!r}\n"
        "if b not in [x['Name'] for x in s3.list_buckets()['Buckets']]:\n"
        "    s3.create_bucket(Bucket=b)\n"
        "for page in s3.get_paginator('list_objects_v2').paginate(Bucket=b):\n"
        "    for item in page.get('Contents', []):\n"
        "        s3.delete_object(Bucket=b, Key=item['Key'])\n"
    ))  # fmt: skip


def files(url: str) -> list[tuple[str, int]]:
    """The job's files in the bucket (names from the prefix) and their sizes."""
    listed = s3(url, (
        f"out = []\nfor page in s3.get_paginator('list_objects_v2').paginate(Bucket={BUCKET!r}, "
        f"Prefix={PREFIX!r}):\n"
        "    out += [(i['Key'], i['Size']) for i in page.get('Contents', [])]\n"
        "print(json.dumps(out))\n"
    ))  # fmt: skip
    return [(key.removeprefix(f"{PREFIX}/"), size) for key, size in listed]


COUNT = (
    "import duckdb, sys\nprint(duckdb.connect(sys.argv[1], read_only=True).execute("
    "'SELECT count(*) FROM GLENTRY').fetchone()[0])"
)


def glentry_rows(db: Path) -> int:
    """The rows stored (counted in a process of its own: duckdb stays out of this one)."""
    done = subprocess.run([sys.executable, "-c", COUNT, str(db)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return int(done.stdout)


def sync(way: str, url: str, store: str, concurrency: int, work: Path,
         others: dict[str, int]) -> Run:  # fmt: skip
    """One first load of GLENTRY into a new DuckDB file, ``dds`` or ``paged``."""
    env = environment(url) | {
        "INTACCT_MAX_CONCURRENCY": str(concurrency),
        # the poll that starts the job waits for the emulator's export (it runs in that
        # request): minutes at millions of rows
        "INTACCT_TIMEOUT_S": "3600",
        "INTACCT_FIRST_BYTE_TIMEOUT_S": "3600",
    }
    if way == "dds":
        env |= KEY | {
            "INTACCT_DDS_TARGET": TARGET, "INTACCT_DDS_BUCKET": BUCKET,
            "INTACCT_DDS_PREFIX": PREFIX, "INTACCT_DDS_ENDPOINT_URL": store,
            "INTACCT_DDS_REGION": "us-east-1", "INTACCT_DDS_MIN_RECORDS": "1",
        }  # fmt: skip
        emptied(store)
    db = work / f"{way}.duckdb"
    for stale in work.glob(f"{way}.duckdb*"):
        stale.unlink()
    billed = control(url, "stats").get("api_transactions.DEMO", 0)
    before = {name: cpu_s(pid) for name, pid in others.items()}
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", "GLENTRY", "--db",
               str(db)]  # fmt: skip
    with open(work / "err", "w+") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=work, stdout=subprocess.DEVNULL,
                                stderr=err)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"intacct sync ({way}) failed:\n{err.read()[-3000:]}")
    spent = {name: cpu_s(pid) - before[name] for name, pid in others.items()}
    run: Run = {
        "way": way, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024, "rows": glentry_rows(db),
        "transactions": control(url, "stats").get("api_transactions.DEMO", 0) - billed,
        "emulator_cpu": spent["emulator"], "moto_cpu": spent.get("moto", 0.0),
    }  # fmt: skip
    if way == "dds":
        listed = files(store)
        run |= {"files": len(listed), "file_mb": sum(size for _, size in listed) / 1e6}
    db.unlink()
    return run


READER = """
import json, os, resource, sys, time
import pyarrow as pa
from intacct.client.dds_files import DdsReader, StorageTarget
from intacct.protocol.dds import DdsJob
names, endpoint, bucket, prefix = json.loads(sys.argv[1])
import s3fs
fs = s3fs.S3FileSystem(endpoint_url=endpoint)
with fs.open(f"{bucket}/{prefix}/{names[0]}", "rb") as first:
    header = first.readline().decode().strip().split(",")
fields = header[: header.index("ddsReadTime")]
job = DdsJob(1, "GLENTRY;all;x", "GLENTRY", "all", "Completed", None, None, None, 0, 0, 0, "",
             tuple(names))
pool = pa.proxy_memory_pool(pa.default_memory_pool())
target = StorageTarget("s3", bucket, prefix, endpoint_url=endpoint, region="us-east-1")
began, cpu = time.perf_counter(), time.process_time()
rows = sum(part.batch.num_rows for part in DdsReader(job, target, fields, "RECORDNO",
           memory_pool=pool).batches())
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - began,
                  "cpu": time.process_time() - cpu, "arrow_mb": pool.max_memory() / 2**20,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def read_alone(store: str) -> Run:
    """The last DDS run's files read through DdsReader alone, in a process of its own."""
    names = [name for name, _ in files(store)]
    names.sort(key=lambda n: int(n.rsplit(".", 2)[1]))  # FILELIST's order: the part number
    arg = json.dumps([names, store, BUCKET, PREFIX])
    done = subprocess.run([sys.executable, "-c", READER, arg], env=os.environ | KEY,
                          capture_output=True, text=True, check=True)  # fmt: skip
    result: Run = json.loads(done.stdout)
    return result


def t_star(rows: int, concurrency: int) -> float:
    """Paging's latency bound: every page of 2,000 (300 ms + 0.5 ms a row), C at once."""
    full, rest = divmod(rows, PAGE)
    pages = [PAGE] * full + ([rest] if rest else [])
    return sum(LATENCY_MS / 1000 + PER_ROW_US / 1e6 * n for n in pages) / concurrency


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000000", help="GLENTRY rows, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--paged-repeat", type=int, help="paged runs (default --repeat)")
    parser.add_argument("--ways", default="dds,paged")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--reader", action="store_true", help="the files read alone too")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--cache", type=Path, default=CACHE, help="the seeded companies")
    args = parser.parse_args()
    ways = args.ways.split(",")
    results: list[tuple[int, str, list[Run], Run | None]] = []
    seeding: dict[int, float] = {}
    store_proc, store = moto()
    try:
        for size in (int(n) for n in args.rows.split(",")):
            proc, url, seeded = serve(size, args.concurrency, args.cache)
            seeding[size] = seeded
            control(url, "dds", {"queue_s": 0, "run_s": 0, "split_records": 100_000})
            target = {"kind": "S3", "endpoint_url": store, "bucket": BUCKET, "prefix": PREFIX,
                      "access_key_id": KEY["AWS_ACCESS_KEY_ID"],
                      "secret_access_key": KEY["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
            control(url, "dds", {"company": "DEMO", "subscribed": True,
                                 "targets": {TARGET: target}})  # fmt: skip
            others = {"emulator": proc.pid, "moto": store_proc.pid}
            runs: dict[str, list[Run]] = {way: [] for way in ways}
            reader = None
            try:
                with tempfile.TemporaryDirectory() as top:
                    for n in range(max(args.repeat, args.paged_repeat or 0)):
                        for way in ways:
                            limit = args.paged_repeat if way == "paged" else None
                            if n >= (limit or args.repeat):
                                continue
                            run = sync(way, url, store, args.concurrency, Path(top), others)
                            runs[way].append(run)
                            print(f"{size:,} {way} round {n + 1}: {shown(run)}", flush=True)
                    if args.reader and "dds" in ways:
                        reader = read_alone(store)
                        print(f"{size:,} files read alone: {reader}", flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=60)
            results += [(size, way, each, reader if way == "dds" else None)
                        for way, each in runs.items()]  # fmt: skip
    finally:
        store_proc.terminate()
        store_proc.wait(timeout=30)
    body = report(results, args.concurrency, seeding)
    print("\n" + body)
    if not args.no_write:
        command = " ".join(["python benchmarks/dds_first_load.py", *sys.argv[1:]])
        write_section("A first load through DDS (issue 71)", command, body)


def shown(run: Run) -> str:
    text = (
        f"{run['rows']:,} rows, {run['seconds']:.1f} s, {run['transactions']} API "
        f"transactions, sync CPU {run['cpu']:.1f} s, peak {run['peak_mb']:.0f} MB, "
        f"emulator CPU {run['emulator_cpu']:.1f} s, moto CPU {run['moto_cpu']:.1f} s"
    )
    if "files" in run:
        text += f", {run['files']} files, {run['file_mb']:.0f} MB"
    return text


def report(results: list[tuple[int, str, list[Run], Run | None]], concurrency: int,
           seeding: dict[int, float]) -> str:  # fmt: skip
    lines = [
        "| GLENTRY rows | way | runs | seconds | T* s (paging's bound) | API transactions "
        "| sync CPU s | ms CPU / 1k rows | peak RSS MB (each run) | emulator CPU s | moto CPU s |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    notes = []
    for size, way, runs, reader in results:
        kinds = ("seconds", "cpu", "peak_mb", "transactions", "emulator_cpu", "moto_cpu")
        med = {k: statistics.median(r[k] for r in runs) for k in kinds}
        rows = runs[0]["rows"]
        peaks = ", ".join(f"{r['peak_mb']:.0f}" for r in runs)
        lines.append(
            f"| {rows:,} | {way} | {len(runs)} | {med['seconds']:.1f} | "
            f"{t_star(rows, concurrency):.0f} | {med['transactions']:.0f} | {med['cpu']:.1f} | "
            f"{med['cpu'] / rows * 1e6:.1f} | {med['peak_mb']:.0f} ({peaks}) | "
            f"{med['emulator_cpu']:.1f} | {med['moto_cpu']:.1f} |"
        )
        if way == "dds":
            notes.append(f"{rows:,} rows: the job wrote {runs[0]['files']} file(s), "
                         f"{runs[0]['file_mb']:.0f} MB of CSV")  # fmt: skip
        if reader:
            notes.append(
                f"{reader['rows']:,} rows' files read alone (DdsReader, 1 MiB blocks, no "
                f"destination): {reader['seconds']:.1f} s, CPU {reader['cpu']:.1f} s, peak "
                f"RSS {reader['peak_mb']:.0f} MB, Arrow's pool at most {reader['arrow_mb']:.1f} MB"
            )
        took = seeding.pop(size, 0)
        if took:
            notes.append(f"{rows:,} rows: the company seeded in {took:.0f} s (once)")
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in notes)


if __name__ == "__main__":
    main()
