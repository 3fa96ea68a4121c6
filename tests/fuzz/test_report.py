"""make fuzz rewrites only its own section of RELIABILITY.md, which it shares."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.harness import Result
from tests.fuzz.run import BEGIN, END, section, write


def test_the_section_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "RELIABILITY.md"
    path.write_text(f"# Reliability\n\nchaos table\n\n{BEGIN}\nold\n{END}\n\nmore\n")
    write(section([Result("order", cases=1000, server_errors=2)], 1000, 3.0), path)
    text = path.read_text()
    assert text.startswith("# Reliability\n\nchaos table\n\n")
    assert text.endswith(f"{END}\n\nmore\n")
    assert "old" not in text
    assert "| order | 1,000 | 2 | 0 | 0 | 0 |" in text


def test_a_missing_file_gets_the_title_and_the_section(tmp_path: Path) -> None:
    path = tmp_path / "RELIABILITY.md"
    write(section([Result("saga", cases=5)], 5, 1.0), path)
    text = path.read_text()
    assert text.startswith(f"# Reliability\n\n{BEGIN}\n")
    assert text.endswith(f"{END}\n")
