"""The one settings object, read from ``PLANKG_*`` environment variables and ``.env``.

It is built once at start-up (``plankg.cli.main`` or a test) and passed down;
no other module reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE_IRI = "http://127.0.0.1:8000/"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PLANKG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- identity
    base_iri: str = DEFAULT_BASE_IRI

    # --- where things are
    root_dir: Path = PROJECT_ROOT
    dist_dir: Path | None = None  # default: <root>/dist
    store_path: Path | None = None  # default: <root>/var/store (embedded, on disk)
    sdg_kos_path: Path | None = None  # UN SDG KOS dump for the external authority check

    # --- store
    store: Literal["embedded", "remote"] = "embedded"
    remote_query_url: str | None = None
    remote_update_url: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None

    # --- service
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    query_timeout_s: float = Field(default=10.0, gt=0)
    result_row_cap: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_query_chars: int = Field(default=100_000, ge=100)
    query_workers: int = Field(default=2, ge=1, le=32)
    access_log: bool = True  # uvicorn's request log (request lines only; tokens travel in headers)
    cors_origins: Annotated[list[str], NoDecode] = []
    enable_service: bool = False  # SPARQL federation (SERVICE) is off unless switched on
    # "name:token" pairs; the name is recorded with every write. None: writing is off.
    write_tokens: Annotated[dict[str, str], NoDecode] = {}

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("write_tokens", mode="before")
    @classmethod
    def _tokens(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = {}
            for part in _split_csv(value):  # type: ignore[union-attr]
                name, sep, token = part.partition(":")
                if not sep or not name or len(token) < 8:
                    raise ValueError("write_tokens must be 'name:token' pairs, tokens of 8+ characters")
                pairs[name] = token
            return pairs
        return value

    @field_validator("base_iri")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("base_iri must be an http(s) IRI ending with '/'")
        return value

    # --- derived locations
    @property
    def data_dir(self) -> Path:
        return self.root_dir / "data"

    @property
    def registry_dir(self) -> Path:
        return self.data_dir / "registry"

    @property
    def source_path(self) -> Path:
        return self.data_dir / "source" / "UNW-2021-6.zh.txt"

    @property
    def ontology_dir(self) -> Path:
        return self.root_dir / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root_dir / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root_dir / "queries"

    @property
    def dist(self) -> Path:
        return self.dist_dir or self.root_dir / "dist"

    @property
    def store_dir(self) -> Path:
        return self.store_path or self.root_dir / "var" / "store"

    @property
    def writes_enabled(self) -> bool:
        return bool(self.write_tokens)

    # --- trust boundary: response size, headers, slow readers, fair shares (README "Security model")
    # bytes of one query answer (SPARQL results or a graph, any format); past it the answer is cut
    # at a row or triple boundary and flagged as the row cap flags it
    max_response_bytes: int = Field(default=64 * 1024 * 1024, ge=64 * 1024)
    # request line plus headers; past it 431, before the rest is read
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    # a request's line and headers must arrive within this long of their first byte; else 408
    header_timeout_s: float = Field(default=10.0, gt=0)
    # a client that takes no response bytes for this long is disconnected
    send_timeout_s: float = Field(default=30.0, gt=0)
    # expensive requests (engine queries, /validate, writes) one client may have in flight
    client_max_concurrent: int = Field(default=8, ge=1)
    # a client whose query ran past the time limit leaves the fast lane for this long
    fast_lane_penalty_s: float = Field(default=30.0, ge=0)
    # peers whose X-Forwarded-For is believed (IP addresses or networks); empty: the peer is the client
    trusted_proxies: Annotated[list[str], NoDecode] = []

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        value = _split_csv(value)
        if isinstance(value, list):
            import ipaddress

            for item in value:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"trusted_proxies: {item!r} is not an IP address or network") from None
        return value
