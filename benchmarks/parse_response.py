"""Parser throughput: ``parse_response`` on a 1000-record x 30-field readByQuery page,
side by side with a bare lxml ``fromstring`` + dict comprehension baseline (the fastest
option measured in stack.md). Writes its section of BENCHMARKS.md.

    python benchmarks/parse_response.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from lxml import etree

from intacct.protocol.response import parse_response

from _report import write_section


def page(records: int = 1000, fields: int = 30) -> bytes:
    rows = []
    for n in range(records):
        cells = "".join(
            f"<F{i:02}>{'value &amp; &lt;' if i % 7 == 0 else ''}{n}-{i}</F{i:02}>"
            if i % 5
            else f"<F{i:02}/>"
            for i in range(fields)
        )
        rows.append(f"<gldetail><RECORDNO>{n}</RECORDNO>{cells}</gldetail>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status>'
        "<senderid>s</senderid><controlid>c</controlid><uniqueid>false</uniqueid>"
        "<dtdversion>3.0</dtdversion></control><operation><authentication>"
        "<status>success</status><userid>u</userid><companyid>c</companyid></authentication>"
        "<result><status>success</status><function>readByQuery</function>"
        f'<controlid>f</controlid><data listtype="gldetail" count="{records}" '
        f'totalcount="{records * 3}" numremaining="{records * 2}" resultId="R1">'
        + "".join(rows)
        + "</data></result></operation></response>"
    ).encode()


def baseline(body: bytes) -> list[object]:
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    data = root.find("operation/result/data")
    assert data is not None
    return [{c.tag: c.text or "" for c in rec} for rec in data]  # type: ignore[misc]


def ours(body: bytes) -> list[object]:
    return list(parse_response(body).results[0].records)


def timed(func: Callable[[bytes], list[object]], body: bytes) -> float:
    start = time.perf_counter()
    out = func(body)
    elapsed = time.perf_counter() - start
    assert len(out) == 1000
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    body = page()
    contenders: dict[str, Callable[[bytes], list[object]]] = {
        "lxml + dict comprehension (baseline)": baseline,
        "intacct parse_response -> Record": ours,
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for run in range(args.runs + 2):  # alternate the contenders; drop two warm-up runs
        for name, func in contenders.items():
            seconds = timed(func, body)
            if run >= 2:
                samples[name].append(seconds)
    results = {name: statistics.median(times) for name, times in samples.items()}
    rows = [f"| {name} | {s * 1000:.1f} | {1000 / s:,.0f} |" for name, s in results.items()]
    ratio = (
        results["intacct parse_response -> Record"]
        / results["lxml + dict comprehension (baseline)"]
    )
    text = "\n".join(
        [
            f"Page: 1000 records x 31 fields, {len(body) / 1e6:.2f} MB; median of "
            f"{args.runs} runs, alternating in one process.",
            "",
            "| parser | ms / page | records / s |",
            "| --- | ---: | ---: |",
            *rows,
            "",
            f"Ratio ours / baseline: {ratio:.2f}x.",
        ]
    )
    write_section("Response parser throughput", "python benchmarks/parse_response.py", text)
    print(text)


if __name__ == "__main__":
    main()
