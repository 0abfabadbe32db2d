"""service.app.create_app: a router module that is missing is an error at start, not a smaller site."""

from __future__ import annotations

import pytest

from plankg.settings import Settings
from service import app as app_module


def test_create_app_fails_when_a_router_module_is_missing(monkeypatch):
    monkeypatch.setattr(app_module, "ROUTER_MODULES", (*app_module.ROUTER_MODULES, "service.no_such_router"))
    with pytest.raises(ModuleNotFoundError, match="service.no_such_router"):
        app_module.create_app(Settings())

