"""The user's documentation holds together.

* Every relative link of README.md and of docs/*.md names a file that exists, and every
  ``#anchor`` a heading there: as GitHub makes anchors (it renders both), and for the
  pages mkdocs builds as Python-Markdown makes them too. A link from docs/ stays inside
  docs/ (the site has nothing else); the repository's other files are linked by their
  GitHub address, which is checked the same way.
* The README reads in five minutes: at most 350 lines, its prose lines at most 95
  characters.
* ``mkdocs build --strict`` builds the site with no warning (where mkdocs is installed).
* Every shell block of the docs is run as written by a test that exists, or is listed
  with the reason none can (tests/documented.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import defined_tests
from tests.docs import DOCS, FENCE, README, ROOT, headings, page, shell_block, shell_blocks
from tests.documented import NOT_RUN, RUN
from tests.paths.test_guide_commands import DEMO_BLOCKS, HISTORY

#: the repository's files as the docs link them (mkdocs.yml's repo_url)
REPOSITORY = "https://github.com/intacct-connector/intacct-connector/blob/main/"
PAGES = sorted(DOCS.glob("*.md"))
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def links(text: str) -> list[str]:
    """The targets of ``text``'s markdown links, code left out."""
    prose = _CODE.sub("", FENCE.sub("", text))
    return _LINK.findall(prose)


def _title(heading: str) -> str:
    """A heading's text as rendered: links to their text, code without backticks."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")


def github_anchor(heading: str) -> str:
    """GitHub's anchor: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", _title(heading).lower()).replace(" ", "-")


def mkdocs_anchor(heading: str) -> str:
    """Python-Markdown's (toc's slugify): ASCII, punctuation dropped, runs of spaces and
    hyphens one hyphen."""
    text = unicodedata.normalize("NFKD", _title(heading)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path, anchor: Callable[[str], str]) -> set[str]:
    """The anchors of the file at ``path`` made by ``anchor``, a heading met again
    numbered as each numbers it (GitHub: ``-1``; Python-Markdown: ``_1``)."""
    made: set[str] = set()
    joint = "-" if anchor is github_anchor else "_"
    for _, said, _ in headings(path.read_text(encoding="utf-8")):
        base = name = anchor(said)
        n = 0
        while name in made:
            n += 1
            name = f"{base}{joint}{n}"
        made.add(name)
    return made


def broken(source: Path) -> list[str]:
    """What is wrong with the links of ``source``."""
    found: list[str] = []
    in_docs = source.parent == DOCS
    for target in links(source.read_text(encoding="utf-8")):
        if target.startswith(REPOSITORY):
            path_text, _, anchor = target.removeprefix(REPOSITORY).partition("#")
            path, ways = ROOT / path_text, [github_anchor]
        elif re.match(r"[a-z]+:", target):
            continue  # another site's
        else:
            path_text, _, anchor = target.partition("#")
            path = (source.parent / path_text).resolve() if path_text else source
            ways = [github_anchor, mkdocs_anchor] if in_docs else [github_anchor]
            if in_docs and DOCS.resolve() not in [path.resolve(), *path.resolve().parents]:
                found.append(f"{target}: outside docs/, which the site has; link {REPOSITORY}…")
                continue
        if not path.exists():
            found.append(f"{target}: no file {path}")
        elif anchor and path.suffix == ".md":
            for way in ways:
                if anchor not in anchors(path, way):
                    found.append(f"{target}: no heading of {path.name} has that anchor")
                    break
    return found


@pytest.mark.parametrize("source", [README, *PAGES], ids=lambda p: p.name)
def test_every_link_and_anchor_resolves(source: Path) -> None:
    assert broken(source) == [], source.name


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    page = DOCS / "sync.md"
    assert "what-a-run-writes" in anchors(page, mkdocs_anchor)
    assert github_anchor("`intacct sync`: a company into a database") == (
        "intacct-sync-a-company-into-a-database"
    )
    assert github_anchor("Postgres: `--db postgresql://…`") == "postgres---db-postgresql"
    assert mkdocs_anchor("Postgres: `--db postgresql://…`") == "postgres-db-postgresql"
    wrong = tmp_path / "wrong.md"
    wrong.write_text("[a](#nothing) [b](nowhere.md) [c](https://example.com/x#y)\n# Title\n")
    assert [line.split(":")[0] for line in broken(wrong)] == ["#nothing", "nowhere.md"]


def test_the_readme_reads_in_five_minutes() -> None:
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 350, f"README.md has {len(lines)} lines: move depth to docs/"
    left_out = [m.span() for m in FENCE.finditer(text)]  # a command is as long as it is
    offset, wide = 0, []
    for number, line in enumerate(lines, 1):
        if len(line) > 95 and not any(start <= offset < end for start, end in left_out):
            wide.append(f"line {number}: {len(line)} characters")
        offset += len(line) + 1
    assert wide == [], "README.md's prose keeps to 95 characters a line"


def test_mkdocs_builds_the_site_strictly(tmp_path: Path) -> None:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    if not mkdocs.exists():
        pytest.skip("mkdocs is not installed: pip install -e '.[docs]'")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]


def test_every_shell_block_is_run_by_a_test_or_says_why_not() -> None:
    listed = {**RUN, **NOT_RUN}
    assert len(listed) == len(RUN) + len(NOT_RUN), "a block both run and not run"
    for name in ("README.md", *(p.name for p in PAGES)):
        for first in shell_blocks(page(name)):
            entries = [e for e in listed if e[0] == name and first.startswith(e[1])]
            assert len(entries) == 1, (
                f"{name}: {first!r} is in {len(entries)} entries of "
                "tests/documented.py (a block no test runs needs the reason)"
            )
    for (name, start), test in RUN.items():
        shell_block(name, start)  # one block, still on its page
        where, _, function = test.partition("::")
        assert function in defined_tests(ROOT / "tests" / where), f"{start!r}: no test {test}"
        if function == "test_a_block_runs_as_written":  # one test, a case a block
            assert (name, start) in (*DEMO_BLOCKS, HISTORY), f"{start!r}: not among its cases"
    for name, start in NOT_RUN:
        shell_block(name, start)
