"""How the benchmark runs the service: ``uvicorn --factory bench.serve:app``.

uvicorn needs an import string and a factory to start more than one worker;
the factory builds the one Settings object from the ``PLANKG_*`` environment
(as ``plankg serve`` does) and hands it to ``create_app``. Nothing is created
at import time. When ``service.app`` grows a ``create_app_from_env`` factory,
the benchmark uses that one instead (see ``bench.contenders.service_factory``).
"""

from __future__ import annotations


def app():
    from plankg.settings import Settings
    from service.app import create_app

    return create_app(Settings())
