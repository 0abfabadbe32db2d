"""``plankg query``: named queries and SPARQL files on the local embedded store."""

from __future__ import annotations

import csv
import io
import json

import pytest

from plankg.cli import main

ID = "http://127.0.0.1:8000/id/"


@pytest.fixture
def store_env(make_settings, monkeypatch):
    settings = make_settings()
    monkeypatch.setenv("PLANKG_STORE_PATH", str(settings.store_dir))
    monkeypatch.setenv("PLANKG_DIST_DIR", str(settings.dist))
    return settings


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(["query", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode("utf-8")


def test_named_query_prints_json_by_default(store_env, capsysbinary):
    code, out, _ = run(capsysbinary, "wps-resolutions")
    assert code == 0
    assert len(json.loads(out)["results"]["bindings"]) == 10


def test_named_query_with_parameters_prints_csv(store_env, capsysbinary):
    code, out, _ = run(capsysbinary, "partners-by-area", "area=evaw", "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out.decode("utf-8"))))
    assert {"UNDP", "WHO", "UNFPA"} <= {row["acronym"] for row in table}


def test_sparql_file_from_standard_input(store_env, capsysbinary, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT ?a WHERE { ?a a <http://127.0.0.1:8000/ontology#ImpactArea> } ORDER BY ?a"))
    code, out, _ = run(capsysbinary, "--sparql", "-", "--format", "tsv")
    assert code == 0
    assert out.decode("utf-8").splitlines() == ["?a"] + [f"<{ID}area/{a}>" for a in ("evaw", "governance", "wee", "wps")]


def test_sparql_file_that_updates_is_refused(store_env, capsysbinary, tmp_path):
    path = tmp_path / "drop.rq"
    path.write_text("DROP ALL", encoding="utf-8")
    code, out, err = run(capsysbinary, "--sparql", str(path))
    assert code == 2 and out == b"" and "Update" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("partners-by-area", "area=evaw> } ; DROP ALL ; #"), "Parameter 'area'"),
        (("partners-by-area", "colour=red"), "Unknown parameter 'colour'"),
        (("partners-by-area", "area"), "name=value"),
        (("paragraph",), "'paragraph_number' of query 'paragraph' is required"),
        (("no-such-query",), "no named query 'no-such-query'"),
        (("wps-resolutions", "--format", "turtle"), "result table"),
        ((), "Name a query"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(store_env, capsysbinary, argv, message):
    code, out, err = run(capsysbinary, *argv)
    assert code == 2 and out == b""
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_list_shows_every_query(store_env, capsysbinary):
    code, out, _ = run(capsysbinary, "--list")
    text = out.decode("utf-8")
    assert code == 0
    assert "partners-by-area area=evaw?" in text and "paragraph paragraph_number=<integer>" in text
