"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol manifests, as requests to run.

The manifests (``../shared/w3c/``, read unchanged) describe each test as one or
more ``ht:Request`` with the expected ``ht:Response``: status (a class such as
``hts:StatusCode2xx`` or a code such as ``hts:Created``), a boolean for ASK, a
result format, response headers and an RDF body to compare by isomorphism, and
``mf:expectedLocation`` (a template variable the Location header fills in).

What the runner adapts, and why (everything else is sent as the manifest has it):

- Paths: the manifests' ``/sparql/`` is ``/sparql`` for queries and ``/update``
  for updates (the manifest allows separate endpoints); ``/gsp`` is ``/graphs``.
- Graph IRIs: stewards write graphs named under ``<base>graph/`` only, so the
  manifests' graph IRIs (``http://kasei.us/…``, ``http://example.org/protocol-…``,
  ``http://www.example/gsp/…``) are mapped into ``<base>graph/w3c/…``, in URLs
  (raw and percent-encoded), bodies and expected bodies alike.
- Authorization: every write carries a steward's bearer token; writes the
  project's policy keeps for admins (README "Who may write": deleting a graph)
  carry an admin's token and the ``confirm=`` value that names what goes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

REPO = Path(__file__).resolve().parents[2]
W3C = REPO.parent / "shared" / "w3c"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")

STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}


def suite(folder: str) -> Path:
    """A W3C suite folder; missing is a failure, never a skip (README: CI has ../shared beside the clone)."""
    path = W3C / folder
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is missing: the W3C suites are read from ../shared/w3c beside the repository")
    return path


@dataclass
class Expected:
    statuses: list[str]  # hts local names: StatusCode2xx, Created, …
    boolean: bool | None = None
    format: str | None = None  # boolean | tabular | RDF
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    location: str | None = None  # the template variable Location fills in

    def status_ok(self, code: int) -> bool:
        for name in self.statuses:
            found = re.fullmatch(r"StatusCode(\d)xx", name)
            if found and code // 100 == int(found.group(1)):
                return True
            if STATUS.get(name) == code:
                return True
        return False


@dataclass
class W3CRequest:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    expected: Expected


@dataclass
class W3CTest:
    name: str  # the test's local name in the manifest
    title: str  # mf:name
    requests: list[W3CRequest]
    graph_data: list[tuple[Path, str]]  # (file, graph IRI) loaded before the test
    requires: list[str]
    approval: str | None


def read_manifest(path: Path) -> list[W3CTest]:
    g = Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    entries = g.value(manifest, MF.entries)
    tests = []
    for entry in Collection(g, entries):
        action = g.value(entry, MF.action)
        requests = []
        if action is not None:
            for req in Collection(g, g.value(action, HT.requests)):
                requests.append(_request(g, req))
        graph_data = []
        for data in g.objects(entry, UT.graphData):
            file = g.value(data, UT.graph)
            graph_data.append((Path(str(file).removeprefix("file://")), str(g.value(data, RDFS_LABEL))))
        approval = g.value(entry, DAWGT.approval)
        tests.append(
            W3CTest(
                name=str(entry).rsplit("#", 1)[-1],
                title=str(g.value(entry, MF.name)),
                requests=requests,
                graph_data=sorted(graph_data),
                requires=sorted(str(r).rsplit("#", 1)[-1] for r in g.objects(entry, MF.requires)),
                approval=str(approval).rsplit("#", 1)[-1] if approval is not None else None,
            )
        )
    return tests


def _headers(g: Graph, node) -> list[tuple[str, str]]:
    head = g.value(node, HT.headers)
    if head is None:
        return []
    return [(str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue))) for h in Collection(g, head)]


def _request(g: Graph, req) -> W3CRequest:
    body = None
    content = g.value(req, HT.body)
    if content is not None:
        encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(content, CNT.chars)).encode(encoding.lower().replace("utf-16", "utf-16-le") if encoding.upper() == "UTF-16" else encoding)
    resp = g.value(req, HT.resp)
    boolean = g.value(resp, MF.expectedBoolean)
    fmt = g.value(resp, MF.expectedFormat)
    resp_body = g.value(resp, HT.body)
    location = g.value(resp, MF.expectedLocation)
    expected = Expected(
        statuses=sorted(str(s).rsplit("#", 1)[-1] for s in g.objects(resp, MF.expectedStatus)),
        boolean=None if boolean is None else bool(boolean.toPython()),
        format=None if fmt is None else str(fmt),
        headers={k.lower(): v for k, v in _headers(g, resp)},
        body=None if resp_body is None else str(g.value(resp_body, CNT.chars)),
        location=None if location is None else str(location),
    )
    return W3CRequest(str(g.value(req, HT.methodName)), str(g.value(req, HT.absolutePath)), _headers(g, req), body, expected)


class IriMap:
    """The manifests' graph IRIs in the stewards' namespace, applied to text raw and percent-encoded."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self.pairs = pairs

    def text(self, value: str) -> str:
        for old, new in self.pairs.items():
            value = value.replace(old, new).replace(quote(old, safe=""), quote(new, safe=""))
        return value

    def data(self, value: bytes, encoding: str = "utf-8") -> bytes:
        return self.text(value.decode(encoding)).encode(encoding)


# ---------------------------------------------------------------- checks on a response
RESULT_TYPES = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml"),
}


def media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def boolean_of(response: httpx.Response) -> bool:
    kind = media(response)
    if kind == "application/sparql-results+json":
        return bool(json.loads(response.content)["boolean"])
    if kind == "application/sparql-results+xml":
        found = re.search(rb"<boolean>\s*(true|false)\s*</boolean>", response.content)
        assert found, response.text
        return found.group(1) == b"true"
    raise AssertionError(f"an ASK answer came as {kind!r}")


def same_graph(expected_turtle: str, response: httpx.Response, base: str) -> bool:
    want = Graph().parse(data=expected_turtle, format="turtle", publicID=base)
    got = Graph().parse(data=response.content, format=media(response) or "turtle", publicID=base)
    return isomorphic(want, got)


def normalized_media(value: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = value.partition(";")
    params = {}
    for item in rest.split(";"):
        if "=" in item:
            k, _, v = item.partition("=")
            params[k.strip().lower()] = v.strip().strip('"').lower()
    return kind.strip().lower(), params
