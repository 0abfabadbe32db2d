"""Work on a client's input, as it runs inside the sandbox (``WorkerPool.run_job``).

Every function here is a job: the server names it, a worker forked for it runs
it (``fn(store, prefixes, *args)``, ``store`` being the worker's own copy of the
data) under a memory ceiling, a large stack, a time limit and without network,
and the worker is killed afterwards. Native parsers (pyoxigraph's for every RDF
syntax and for SPARQL updates, rdflib's for the SPARQL of uploaded shapes) and
unbounded algorithms (SHACL validation, ``sh:pattern`` regular expressions,
SHACL-SPARQL constraints, the WHERE of an update) run only here, never in the
server process. The structural limits (``plankg.inputlimits``) come first, so
deep input gets a clear answer rather than a crashed worker.

Arguments and results cross a pipe as pickles: formats travel as media types,
data as bytes, the answer as a ``Report`` or a ``WriteOutcome``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from plankg.errors import BadRequest, UnsupportedMediaType
from plankg.inputlimits import check_rdf
from plankg.settings import Settings
from plankg.store.rdfio import parse_rdf


@dataclass(frozen=True)
class Upload:
    """RDF a client sent: bytes, the media type of their syntax, the name to report errors with."""

    data: bytes
    media_type: str
    name: str

    def rdf_format(self) -> ox.RdfFormat:
        found = ox.RdfFormat.from_media_type(self.media_type)
        if found is None:
            raise UnsupportedMediaType(f"{self.name}: {self.media_type} is not an RDF syntax.")
        return found

    def parse(self, settings: Settings, *, base_iri: str | None = None) -> list[ox.Quad]:
        fmt = self.rdf_format()
        data = check_rdf(self.data, fmt, max_depth=settings.max_nesting_depth, name=self.name)
        return parse_rdf(data, fmt, name=self.name, base_iri=base_iri)


@dataclass(frozen=True)
class WriteRequest:
    """A steward's write, as the sandbox prepares it (``plankg.writes.WritePipeline``)."""

    operation: str  # "put" | "post" | "delete" | "update"
    graph: str | None = None  # the addressed graph (None: the default graph)
    body: Upload | None = None  # PUT / POST
    parts: tuple[Upload, ...] = ()  # POST multipart/form-data: each part one graph, added together
    update: str | None = None  # SPARQL Update text, through sparqltext.check_update already
    role: str = "steward"
    confirm: str | None = None
    base_iri: str | None = None  # relative IRIs of an update resolve against it (sparqltext.check_base_iri)
    using: tuple[str, ...] = ()  # using-graph-uri: the default graph of the update's WHERE
    using_named: tuple[str, ...] = ()  # using-named-graph-uri: its named graphs


def validate_upload(
    store: ox.Store,
    prefixes: dict,
    settings: Settings,
    data: Upload,
    shapes: Upload | None,
    with_graph: bool,
    context: list[ox.Quad] | None,
    with_ontology: bool = False,
):
    """``POST /validate``: the report on ``data``: with the stored graph as context if asked, and
    with the ontology's class hierarchy when the project's shapes run or when asked."""
    from plankg.validation import Shapes, load_shapes, validate_quads

    quads = data.parse(settings)
    if shapes is not None:
        shape_model = Shapes(tuple(shapes.parse(settings)), (shapes.name,))
        shape_model.check_queries(settings.max_nesting_depth)
    else:
        shape_model = load_shapes(settings)
    if with_graph and context is None:
        context = list(store.quads_for_pattern(None, None, None, None))
    return validate_quads(
        settings, quads, shape_model, context=context if with_graph else None, ontology=True if with_ontology else None
    )


def prepare_write(store: ox.Store, prefixes: dict, settings: Settings, request: WriteRequest, dry_run: bool):
    """The candidate of a write and its validation: ``("ok", outcome)`` or ``("invalid", outcome)``.

    Runs on the worker's copy of the data, which is the store's data as it is
    while the server holds the write lock; the server commits an "ok" outcome.
    """
    from plankg.errors import ValidationFailed

    pipeline = _pipeline(settings, store, prefixes)
    try:
        if request.operation in ("put", "post"):
            assert request.body is not None or request.parts
            base = request.graph or settings.base_iri
            quads = request.body.parse(settings, base_iri=base) if request.body is not None else []
            for part in request.parts:
                # blank nodes are the part's own: one label in two parts names two nodes
                quads += _fresh_blank_nodes(part.parse(settings, base_iri=base))
            if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
                raise BadRequest("The body names graphs of its own; PUT and POST take one graph, addressed by ?graph= or ?default.")
            propose = pipeline.proposal(request.operation, request.graph, quads)
        elif request.operation == "delete":
            propose = pipeline.proposal("delete", request.graph)
        elif request.operation == "update":
            assert request.update is not None
            _refuse_reaching_out(request.update)
            propose = pipeline.proposal(
                "update", None, update=request.update, base_iri=request.base_iri, using=request.using, using_named=request.using_named
            )
        else:
            raise ValueError(f"unknown write operation {request.operation!r}")
        return "ok", pipeline.prepare(propose, dry_run=dry_run, role=request.role, confirm=request.confirm)
    except ValidationFailed as exc:
        return "invalid", exc.outcome


def _fresh_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def term(t):
        if isinstance(t, ox.BlankNode):
            return fresh.setdefault(t, ox.BlankNode())
        return t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]


def warm(store: ox.Store, prefixes: dict, settings: Settings) -> None:
    """Run once in the sandbox's zygote: every job forked from it finds the imports done and the
    project's shapes parsed and analysed (about a second a job otherwise)."""
    # one small validation and one dry-run write: the first of each fills caches (the class
    # hierarchy, compiled shapes, rdflib's plugins) that every fork then finds filled
    sample = Upload(
        f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{settings.base_iri}id/org/SANDBOX-WARM-UP> a <{settings.base_iri}ontology#UNEntity> ;
    skos:prefLabel "Warm-up"@en, "预热"@zh ; skos:notation "SANDBOX-WARM-UP" .
""".encode(),
        "text/turtle",
        "warm-up",
    )
    validate_upload(store, prefixes, settings, sample, None, False, None)
    prepare_write(store, prefixes, settings, WriteRequest("post", settings.base_iri + "graph/sandbox-warm-up", body=sample), True)


# the write pipeline of the zygote's settings, with its shapes analysed; a job's fork gets a copy
_PIPELINES: dict[tuple, object] = {}


def _pipeline(settings: Settings, store: ox.Store, prefixes: dict):
    from plankg.store.embedded import EmbeddedStore
    from plankg.writes import WritePipeline

    key = (settings.base_iri, str(settings.shapes_dir), str(settings.sdg_kos_path))
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        pipeline = _PIPELINES[key] = WritePipeline(settings, EmbeddedStore.over(store, prefixes))
    pipeline.store = EmbeddedStore.over(store, prefixes)  # type: ignore[attr-defined]
    return pipeline


def _refuse_reaching_out(update: str) -> None:
    """LOAD and SERVICE found in the parsed update, not its text: the second of three layers
    (the text scan of ``sparqltext.check_update`` before it, no network in this process after).

    rdflib's parser is the one at hand (pyoxigraph exposes none). Where it cannot read an update
    that pyoxigraph can, the other two layers stand alone.
    """
    if not _may_name(update, ("load", "service")):
        return  # neither keyword can be read anywhere in it: a parse would find neither
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    from plankg.errors import FeatureDisabled

    try:
        parsed = parseUpdate(update)
    except (ParseException, ValueError, TypeError):
        return
    stack: list = [parsed]
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if name == "Load":
            raise FeatureDisabled("LOAD is refused: an update may not fetch documents. Send the data itself with PUT or POST /graphs.")
        if name == "ServiceGraphPattern":
            raise FeatureDisabled("SERVICE is refused in updates: an update may not query other endpoints.")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or hasattr(node, "as_list"):
            stack.extend(node)


def _may_name(text: str, words: tuple[str, ...]) -> bool:
    """Whether one of ``words`` (lower case) could be a keyword of ``text``: found in it, as written
    or with its codepoint escapes resolved (SPARQL resolves them before parsing), in upper
    case, lower case or case-folded (a caseless parser may take the dotless ı for an I, the
    long ſ for an s). Without them, no parser reads such a keyword there, and the parse
    (rdflib's: tens of milliseconds for a hundred triples) can be left out."""
    from plankg.sparqltext import unescaped

    texts = [text, unescaped(text)] if "\\u" in text or "\\U" in text else [text]
    forms = [form for t in texts for form in (t.lower(), t.casefold(), t.upper().lower())]
    return any(word in form for word in words for form in forms)


__all__ = ["Upload", "WriteRequest", "prepare_write", "validate_upload"]
