"""The ``denialkb`` command line (the ``denialkb`` script is :func:`main`).

One module per command family, each adding its commands to :data:`main`
(defined in :mod:`.app` with the options, error handling and KB resolution they share):

- :mod:`.check` — ``check``, ``facts``
- :mod:`.queries` — ``why``, ``why-not``, ``paths``, ``what-if``, ``fix``
- :mod:`.graph` — ``graph``, ``report``
- :mod:`.kbtools` — ``kb lint|test|diff``
- :mod:`.audit` — ``audit``, ``log show|replay``
- :mod:`.formats` — ``convert`` and the x12-835 / fhir outputs of ``check``
- :mod:`.auditor` — ``sample``, ``appraise``, ``compare``, ``log annotate``
- :mod:`.serve` — ``serve`` (HTTP API and web workbench, :mod:`denialkb.engine.serve`)

Command modules import :mod:`.app`, never this package, so the import graph has no cycle.
"""

from denialkb.engine.cli import (  # noqa: F401  (registers the commands)
    audit,
    auditor,
    check,
    formats,
    graph,
    kbtools,
    queries,
    serve,  # noqa: F401,I001  (denialkb serve)
)
from denialkb.engine.cli.app import main

__all__ = ["main"]
