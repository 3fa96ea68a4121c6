"""Headless Chromium for the pages' browser tests (the machine's browser, driven by Playwright):
found from ``ORDERMESH_CHROMIUM`` or PATH, else the test is skipped saying why; screenshots go
to ``test-artifacts/`` (``ORDERMESH_TEST_ARTIFACTS`` names another folder)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_MS = 30_000


def chromium() -> str:
    """The browser to drive: ``ORDERMESH_CHROMIUM``, else the first of ``BROWSERS`` on PATH."""
    found = os.environ.get("ORDERMESH_CHROMIUM") or next(
        (path for name in BROWSERS if (path := shutil.which(name))), None
    )
    if found is None:
        pytest.skip(
            "no Chromium on this machine (looked for ORDERMESH_CHROMIUM and "
            f"{', '.join(BROWSERS)} on PATH): install Debian's with `apt-get install chromium`"
        )
    return found


@contextmanager
def browser_page() -> Iterator[Any]:
    """A page of a headless Chromium, closed with the browser at the end of the block."""
    executable = chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    args = ["--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root (CI runs so)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            opened = browser.new_page(viewport={"width": 1400, "height": 1000})
            opened.set_default_timeout(TIMEOUT_MS)
            yield opened
        finally:
            browser.close()


def artifacts() -> Path:
    folder = Path(os.environ.get("ORDERMESH_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent.trim() === text",
        arg=[selector, text],
    )
