"""``python -m ordermesh_platform.cli``: the ``ordermesh`` command."""

from ordermesh_platform.cli import main

main()
