"""Drive a contender with wrk (C, event loop) and a Lua script of prepared requests.

A Python client would need most of one of the two cores to keep 16
connections busy; wrk needs a fraction of one. Each connection walks the same
round-robin list of requests (POST form bodies for SPARQL endpoints, GET
URLs for named queries). The Lua ``done`` hook prints one JSON line with
throughput, latency percentiles and error counts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.workload import ACCEPT, Request

LUA = r"""
local requests = {}
local bodies = {
%(entries)s
}
local counter = 0

function init(args)
  for i, r in ipairs(bodies) do
    local headers = { ["Accept"] = "%(accept)s" }
    if r[1] == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
    requests[i] = wrk.format(r[1], r[2], headers, r[3])
  end
  -- each thread starts at another place in the list so that the mix is even
  counter = math.random(0, #requests - 1)
end

function request()
  counter = counter + 1
  return requests[(counter %% #requests) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors, timeouts and non-2xx/3xx answers
    error_detail: dict

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _lua_string(text: str) -> str:
    # a long bracket with enough '=' never closes inside the text
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def lua_script(requests: list[Request], route: str, sparql_path: str) -> str:
    entries = []
    for r in requests:
        if route == "named":
            entries.append(f'  {{"GET", {_lua_string(r.named_path)}, nil}},')
        else:
            entries.append(f'  {{"POST", {_lua_string(sparql_path)}, {_lua_string(r.form_body())}}},')
    return LUA % {"entries": "\n".join(entries), "accept": ACCEPT}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, requests: list[Request], route: str, sparql_path: str, *, clients: int, seconds: float, script_dir: Path, timeout_s: float = 30.0) -> LoadResult:
    script_dir.mkdir(parents=True, exist_ok=True)
    script = script_dir / f"wrk-{route}-{abs(hash((base_url, sparql_path))) % 10**8}.lua"
    script.write_text(lua_script(requests, route, sparql_path), encoding="utf-8")
    threads = 1 if clients < 4 else 2  # two cores: a wrk thread per core at most
    argv = [
        "wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
        "--timeout", f"{int(timeout_s)}s", "-s", str(script), base_url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout_s + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {done.stderr.strip()[-500:]} {done.stdout.strip()[-500:]}")
    data = json.loads(line[len("WRKJSON "):])
    secs = data["duration_us"] / 1e6
    errors = data["connect"] + data["read"] + data["write"] + data["status"] + data["timeout"]
    return LoadResult(
        requests=data["requests"],
        seconds=secs,
        rps=data["requests"] / secs if secs else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=errors,
        error_detail={k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]},
    )
