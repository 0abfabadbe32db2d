"""Fixtures for the validation tests: settings in a tmp dir, the project's shapes, a validator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from shape_world import parse_ttl

from plankg.settings import Settings


@pytest.fixture(scope="session")
def validation_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("validation")
    return Settings(store_path=root / "store", dist_dir=root / "dist")


@pytest.fixture(scope="session")
def project_shapes(validation_settings):
    from plankg.validation import load_shapes

    return load_shapes(validation_settings)


@pytest.fixture(scope="session")
def validate_text(validation_settings, project_shapes) -> Callable:
    """Validate Turtle (or quads) with the project's shapes; returns the Report."""
    from plankg.validation import validate_quads

    def run(data: str | list, settings: Settings | None = None):
        quads = parse_ttl(data) if isinstance(data, str) else data
        return validate_quads(settings or validation_settings, quads, project_shapes)

    return run
