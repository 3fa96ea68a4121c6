"""The repository's copy of the conformance corpora (``conformance/``) equals its source.

The source is ``../shared/conformance`` beside the project. Where it exists, every file on either
side must exist on the other with the same bytes; ``conformance/PROVENANCE.md`` is the copy's own.
Where it does not (a clone elsewhere), there is nothing to compare with and the test skips.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "conformance"
SOURCE = ROOT.parent / "shared" / "conformance"
OWN = frozenset({"PROVENANCE.md"})


def _digests(folder: Path, *, skip: frozenset[str] = frozenset()) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file() and path.relative_to(folder).as_posix() not in skip
    }


def differences(source: Path, copy: Path) -> list[str]:
    """Each file that is missing from, extra in, or different in ``copy``, one line each."""
    want, have = _digests(source), _digests(copy, skip=OWN)
    lines = [f"missing from the copy: {name}" for name in sorted(want.keys() - have.keys())]
    lines += [f"not in the source: {name}" for name in sorted(have.keys() - want.keys())]
    lines += [
        f"differs from the source: {name}"
        for name in sorted(want.keys() & have.keys())
        if want[name] != have[name]
    ]
    return lines


def test_the_copy_holds_every_corpus_with_its_licence() -> None:
    for name in ("eventbridge/LICENSE", "eventbridge/NOTICE", "stepfunctions/LICENSE.txt"):
        assert (COPY / name).is_file(), name
    assert (COPY / "sns" / "LICENSE").is_file()
    assert (COPY / "PROVENANCE.md").is_file()


@pytest.mark.skipif(not SOURCE.is_dir(), reason=f"no source to compare with at {SOURCE}")
def test_the_copy_equals_its_source() -> None:
    problems = differences(SOURCE, COPY)
    assert not problems, "conformance/ differs from ../shared/conformance:\n" + "\n".join(problems)


def test_a_changed_added_or_removed_file_is_reported(tmp_path: Path) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    for folder in (source, copy):
        (folder / "a").mkdir(parents=True)
        (folder / "a" / "same.json").write_text("[1]")
    (source / "a" / "changed.json").write_text("[1]")
    (copy / "a" / "changed.json").write_text("[2]")
    (source / "gone.json").write_text("{}")
    (copy / "extra.json").write_text("{}")
    (copy / "PROVENANCE.md").write_text("the copy's own")
    assert differences(source, copy) == [
        "missing from the copy: gone.json",
        "not in the source: extra.json",
        "differs from the source: a/changed.json",
    ]
