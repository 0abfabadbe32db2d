"""Domain exceptions, one module for all of them.

The HTTP layer maps each class to a status and an ``application/problem+json``
body through one table (``service.problems``); the CLI prints ``str(exc)`` and
exits with the class's ``exit_code``. Messages are written for the person who
has to fix the input: they say where and why, never internal details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations only: errors sit below every other module
    from plankg.validation.report import Report
    from plankg.writes import WriteOutcome


class PlanKGError(Exception):
    """Base of every error this project raises on purpose."""

    title = "Error"
    exit_code = 2

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class LocatedError(PlanKGError):
    """An input file is wrong at a known place: ``file:line: reason``."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class SourceParseError(LocatedError):
    title = "The source document could not be parsed"


class RegistryError(LocatedError):
    """A registry CSV row is invalid; ``line`` is the 1-based CSV line (header is line 1)."""

    title = "Invalid registry row"

    @property
    def row(self) -> int:
        return self.line


class OntologyError(LocatedError):
    title = "The ontology could not be parsed"


class RDFSyntaxError(LocatedError):
    title = "The RDF data could not be parsed"


class QueryFileError(LocatedError):
    title = "Invalid named query file"


class QuerySyntaxError(PlanKGError):
    title = "Malformed SPARQL query"

    def __init__(self, detail: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(detail)
        self.line = line
        self.column = column


class UpdateNotAllowed(PlanKGError):
    title = "Updates are not accepted here"


class FeatureDisabled(PlanKGError):
    title = "This SPARQL feature is disabled"


class QueryTimeout(PlanKGError):
    title = "The query ran past the time limit"


class QueryTooComplex(PlanKGError):
    title = "The query is too long or too deeply nested"


class InputTooComplex(PlanKGError):
    """Untrusted input past a structural limit (nesting depth, XML entities, a regex
    that can backtrack without bound), refused before any parser or engine sees it."""

    title = "The input is nested too deeply or uses a refused construct"


class ResourceLimitExceeded(PlanKGError):
    """Work on untrusted input used more memory than its sandbox allows; it was stopped."""

    title = "The input needs more memory than this service allows"


class WorkTimeout(PlanKGError):
    """Work on untrusted input (parsing, validation, an update's candidate) ran past its limit."""

    title = "The work ran past the time limit"


class TooManyRequests(PlanKGError):
    """A client is over its share of expensive work; ``retry_after`` seconds is a fair wait."""

    title = "Too many requests from this client"

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ConfirmationRequired(PlanKGError):
    """A destructive write (a whole graph, most of the data) needs an explicit confirmation."""

    title = "This write needs an explicit confirmation"


class WriteBusy(PlanKGError):
    """Another write held the write lock past the wait limit; nothing was changed."""

    title = "Another write is in progress"


class WriteConflict(PlanKGError):
    """Another front-end changed the data between this write's candidate and its commit; nothing was changed."""

    title = "The data changed while the write was prepared"


class ClientDisconnected(PlanKGError):
    """The client hung up before its work ended; the work was stopped and nobody is answered."""

    title = "The client disconnected"


class NotAcceptable(PlanKGError):
    title = "No acceptable representation"


class UnsupportedMediaType(PlanKGError):
    title = "Unsupported media type"


class PayloadTooLarge(PlanKGError):
    title = "Request body too large"


class NotFound(PlanKGError):
    title = "Not found"


class UnknownQuery(NotFound):
    title = "Unknown named query"


class ParameterError(PlanKGError):
    title = "Invalid parameter"


class UnknownEntity(ParameterError):
    """A well-formed identifier that names no entity of the kind the parameter expects."""

    title = "Unknown entity"


class BadRequest(PlanKGError):
    title = "Bad request"


class Unauthorized(PlanKGError):
    title = "Authentication required"


class Forbidden(PlanKGError):
    title = "Not allowed"


class WritesDisabled(PlanKGError):
    title = "Writing is switched off"


class WritesUnsupported(PlanKGError):
    """The configured store cannot take validated writes (e.g. PLANKG_STORE=remote)."""

    title = "This store does not accept writes through plankg"


class StoreUnavailable(PlanKGError):
    title = "The triple store is unavailable"
    exit_code = 3


class BaseIriMismatch(StoreUnavailable):
    """The store or the data was made with another ``PLANKG_BASE_IRI`` than the one configured:
    every lookup would miss (an empty site, false violations), so it is refused and the
    message says which base to set or what to rebuild."""

    title = "The store was built with another base IRI"
    exit_code = 2


class EngineDeadlock(StoreUnavailable):
    """The engine ended a request in a deadlock with simultaneous ones (SQLSTATE 40001) and rolled it back,
    each of the times plankg tried it; on a write's way this is a conflict (nothing was changed)."""

    title = "The triple store is busy with simultaneous writes"


class BuildError(PlanKGError):
    title = "The graph could not be built"


class ValidationFailed(PlanKGError):
    """The graph (a build's, or a write's outcome) does not conform; carries the report and, for a write, its outcome."""

    title = "The graph does not conform to the shapes"
    exit_code = 1

    def __init__(self, detail: str, report: Report | None = None, outcome: WriteOutcome | None = None) -> None:
        super().__init__(detail)
        self.report = report
        self.outcome = outcome
