"""RELIABILITY.md is shared: the chaos suite rewrites only its own section."""

from __future__ import annotations

from pathlib import Path

from ordermesh_platform.chaos.report import BEGIN, END, write_section


def test_a_missing_file_gets_the_title_and_the_section(tmp_path: Path) -> None:
    path = tmp_path / "RELIABILITY.md"

    write_section(path, f"{BEGIN}\nrun 1\n{END}\n")

    assert path.read_text() == f"# Reliability\n\n{BEGIN}\nrun 1\n{END}\n"


def test_only_the_chaos_section_is_rewritten_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "RELIABILITY.md"
    fuzzing = "<!-- BEGIN fuzz -->\nfuzz results\n<!-- END fuzz -->\n"
    path.write_text(f"# Reliability\n\n{BEGIN}\nrun 1\n{END}\n\n{fuzzing}")

    write_section(path, f"{BEGIN}\nrun 2\n{END}\n")

    assert path.read_text() == f"# Reliability\n\n{BEGIN}\nrun 2\n{END}\n\n{fuzzing}"
