"""``denialkb serve``: the decision service (HTTP API) and the web workbench.

- :mod:`.service` — one KB and one Decider per process, behind a lock; inputs read as the CLI reads them;
- :mod:`.app` — the FastAPI app (:func:`create_app`), its middleware and the ``/v1`` endpoints;
- :mod:`.workbench` — the server-rendered pages under ``/ui`` (templates/, static/);
- :mod:`.forms` — the what-if form's named fields;
- :mod:`.logview` — reading the decision log and recording dispositions.

See docs/serve.md and docs/api.md.
"""

from denialkb.engine.serve.app import create_app, openapi_schema

__all__ = ["create_app", "openapi_schema"]
