"""The one settings object, read from ``PLANKG_*`` environment variables and ``.env``.

It is built once at start-up (``plankg.cli.main`` or a test) and passed down;
no other module reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from plankg import resources

# ontology/, shapes/, queries/, data/: the checkout, or the copy a wheel carries (plankg.resources)
PROJECT_ROOT = resources.source_root()
DEFAULT_BASE_IRI = "http://127.0.0.1:8000/"

# what a write token may do (plankg.write_policy): a steward writes graphs of their own;
# an admin may also change the built graphs and, with an explicit confirmation, remove data
STEWARD = "steward"
ADMIN = "admin"
ROLES = (STEWARD, ADMIN)
Role = Literal["steward", "admin"]


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
    root_dir: Path = PROJECT_ROOT  # where ontology/, shapes/, queries/, data/ are read from
    # where dist/ and var/ (the store) are written: PLANKG_HOME; default: the checkout when run
    # from one, else $XDG_DATA_HOME/plankg (a wheel's files in site-packages are never written)
    home: Path | None = Field(default=None, description="dist/ and var/ go here; default: the checkout, else $XDG_DATA_HOME/plankg")
    dist_dir: Path | None = None  # default: <home>/dist
    store_path: Path | None = None  # default: <home>/var/store (embedded, on disk)
    sdg_kos_path: Path | None = None  # UN SDG KOS dump for the external authority check

    # --- validation: the write gate lets data in when no SHACL result is this severe or more
    # (not sh:conforms, which any result makes false); writes, builds and `plankg validate` use it
    write_gate_severity: Literal["violation", "warning", "info"] = "violation"

    # --- store
    store: Literal["embedded", "remote"] = "embedded"
    remote_query_url: str | None = None
    remote_update_url: str | None = None
    remote_user: str | None = None
    remote_password: str | None = None
    # a change made on the engine outside plankg shows within this many seconds (a count per graph)
    remote_probe_s: float = Field(default=10.0, gt=0)

    # --- service
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    query_timeout_s: float = Field(default=10.0, gt=0)
    result_row_cap: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_query_chars: int = Field(default=100_000, ge=100)
    annotate_max_chars: int = Field(default=20_000, ge=100, le=1_000_000)  # POST /annotate, plankg annotate
    query_workers: int = Field(default=2, ge=1, le=32)
    access_log: bool = True  # uvicorn's request log (request lines only; tokens travel in headers)
    # origins whose pages may read (never write): "*" is any origin, without credentials;
    # a list narrows it; empty: no cross-origin reads at all
    cors_origins: Annotated[list[str], NoDecode] = ["*"]
    linked_data_max_age_s: int = Field(default=300, ge=0)  # how long a client may keep an IRI's answer or a dump
    enable_service: bool = False  # SPARQL federation (SERVICE) is off unless switched on
    # "name:token[:role]" entries; the name is recorded with every write. None: writing is off.
    write_tokens: Annotated[dict[str, str], NoDecode] = {}
    # name -> role, filled from the third field of PLANKG_WRITE_TOKENS; a name not listed is a steward
    write_roles: dict[str, Role] = {}

    # --- the sandbox: work on untrusted input in killable worker processes (plankg.store.workers)
    job_workers: int = Field(default=2, ge=1, le=16)  # uploads, writes' candidates at once
    job_timeout_s: float = Field(default=30.0, gt=0)  # parse + validate an upload, or a write's candidate
    job_memory_mb: int = Field(default=1024, ge=64)  # memory a job may add to its worker
    max_nesting_depth: int = Field(default=256, ge=8, le=10_000)  # JSON(-LD), Turtle, RDF/XML, SPARQL
    write_wait_s: float = Field(default=40.0, gt=0)  # a write waits out one that runs to the time limit
    fast_lane_workers: int = Field(default=2, ge=0, le=8)  # cheap queries while the others are busy
    fast_lane_timeout_s: float = Field(default=0.5, gt=0)
    shutdown_grace_s: float = Field(default=5.0, ge=0)  # SIGTERM: open requests get this long, then are cancelled
    # bench.mixed --trace: where each request's timings and the pool's spans are written when the server
    # stops (plankg.store.trace); None, the default: nothing is timed
    trace_file: Path | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        return _split_csv(value)

    @model_validator(mode="before")
    @classmethod
    def _roles(cls, data: object) -> object:
        # one entry gives both a token and its role: the roles are taken here, the tokens
        # (and any error, reported against PLANKG_WRITE_TOKENS) in the field validator
        if isinstance(data, dict) and isinstance(data.get("write_tokens"), str):
            try:
                _, roles = parse_write_tokens(data["write_tokens"])
            except ValueError:
                return data
            data = {**data, "write_roles": {**roles, **dict(data.get("write_roles") or {})}}
        return data

    @field_validator("write_tokens", mode="before")
    @classmethod
    def _tokens(cls, value: object) -> object:
        return parse_write_tokens(value)[0] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _roles_name_tokens(self) -> Settings:
        unknown = sorted(set(self.write_roles) - set(self.write_tokens))
        if unknown:
            raise ValueError(f"write_roles names {', '.join(unknown)}, which has no write token")
        return self

    @field_validator("base_iri")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("base_iri must be an http(s) IRI ending with '/'")
        return value

    def role_of(self, name: str) -> str:
        return self.write_roles.get(name, STEWARD)

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
    def home_dir(self) -> Path:
        if self.home is not None:
            return self.home
        if not resources.is_packaged(self.root_dir):
            return self.root_dir
        data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(data_home) / "plankg"

    @property
    def dist(self) -> Path:
        return self.dist_dir or self.home_dir / "dist"

    @property
    def store_dir(self) -> Path:
        return self.store_path or self.home_dir / "var" / "store"

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
    # sandbox jobs (uploads to validate, writes' candidates) one client may have at once
    client_max_jobs: int = Field(default=1, ge=1)
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

def parse_write_tokens(value: str) -> tuple[dict[str, str], dict[str, str]]:
    """``"amina:<token>,li:<token>:admin"`` -> ({name: token}, {name: role}).

    A token may not hold ``:`` or ``,`` (they separate the fields); the role is
    ``steward`` when left out. Anything else is refused rather than guessed at:
    a typo in a role must not give or take away the right to remove data.
    """
    tokens: dict[str, str] = {}
    roles: dict[str, str] = {}
    for raw in value.split(","):
        part = raw.strip()
        if not part:
            continue
        fields = part.split(":")
        if len(fields) not in (2, 3) or not fields[0].strip() or len(fields[1]) < 8:
            raise ValueError("write_tokens must be 'name:token' or 'name:token:role' entries, tokens of 8+ characters without ':'")
        name, token = fields[0].strip(), fields[1]
        role = fields[2].strip() if len(fields) == 3 else STEWARD
        if role not in ROLES:
            raise ValueError(f"the role of {name!r} must be {' or '.join(ROLES)}, not {role!r}")
        if name in tokens:
            raise ValueError(f"{name!r} is given more than once")
        tokens[name] = token
        roles[name] = role
    return tokens, roles
