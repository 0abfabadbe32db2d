"""``plankg validate``: exit codes, the report in either language, any RDF syntax, file:line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from shape_world import WORLD
from test_built_graph_conforms import kos_or_skip


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "plankg.cli", "validate", *args],
        cwd=cwd, capture_output=True, timeout=600, check=False,
    )


@pytest.fixture
def world_file(tmp_path) -> Path:
    path = tmp_path / "world.ttl"
    path.write_text(WORLD, encoding="utf-8")
    return path


def broken(tmp_path: Path, name: str = "broken.ttl") -> Path:
    path = tmp_path / name
    text = WORLD.replace('skos:prefLabel "United Nations Development Programme"@en , "联合国开发计划署"@zh ;',
                         'skos:prefLabel "United Nations Development Programme"@en ;')
    assert text != WORLD
    path.write_text(text, encoding="utf-8")
    return path


def test_conforming_data_exits_0(world_file, tmp_path):
    done = run(str(world_file), cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("Validation report: conforms (0 violations")


def test_nonconforming_data_exits_1_with_a_chinese_report(tmp_path):
    done = run(str(broken(tmp_path)), "--lang", "zh", cwd=tmp_path)
    assert done.returncode == 1
    out = done.stdout.decode("utf-8")
    assert out.startswith("验证报告：不符合（违规 1 项")
    assert "United Nations Development Programme <http://127.0.0.1:8000/id/org/UNDP>" in out
    assert "[违规] skos:prefLabel：须有一个英文首选标签和一个中文首选标签" in out


def test_a_syntax_error_exits_2_with_file_and_line(tmp_path):
    path = tmp_path / "bad.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c .\nex:d ex:e .\n", encoding="utf-8")
    done = run(str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"plankg: {path}:4: ")
    assert done.stdout == b""


def test_an_unknown_extension_needs_a_format(world_file, tmp_path):
    data = tmp_path / "world.data"
    data.write_bytes(world_file.read_bytes())
    assert run(str(data), cwd=tmp_path).returncode == 2
    assert run(str(data), "--format", "turtle", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("fmt, suffix", [(ox.RdfFormat.N_TRIPLES, ".nt"), (ox.RdfFormat.RDF_XML, ".rdf"), (ox.RdfFormat.JSON_LD, ".jsonld"), (ox.RdfFormat.N_QUADS, ".nq")])
def test_any_rdf_syntax_by_extension(tmp_path, fmt, suffix):
    triples = [q.triple for q in ox.parse(broken(tmp_path).read_bytes(), format=ox.RdfFormat.TURTLE)]
    data = tmp_path / ("broken" + suffix)
    data.write_bytes(ox.serialize(triples, format=fmt))
    done = run(str(data), cwd=tmp_path)
    assert done.returncode == 1
    assert "skos:prefLabel" in done.stdout.decode()


def test_several_files_are_validated_together(tmp_path):
    """A label in a second file completes the first file's organization."""
    extra = tmp_path / "extra.ttl"
    extra.write_text('<http://127.0.0.1:8000/id/org/UNDP> <http://www.w3.org/2004/02/skos/core#prefLabel> "联合国开发计划署"@zh .\n', encoding="utf-8")
    assert run(str(broken(tmp_path)), str(extra), cwd=tmp_path).returncode == 0


def test_report_as_turtle_and_jsonld(tmp_path):
    done = run(str(broken(tmp_path)), "--report", "turtle", cwd=tmp_path)
    assert done.returncode == 1
    graph = list(ox.parse(done.stdout, format=ox.RdfFormat.TURTLE))
    assert any(t.object.value == "http://www.w3.org/ns/shacl#ValidationReport" for t in graph)
    done = run(str(broken(tmp_path)), "--report", "jsonld", cwd=tmp_path)
    assert len(list(ox.parse(done.stdout, format=ox.RdfFormat.JSON_LD))) == len(graph)


def test_own_shapes_replace_the_projects(world_file, tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/S> a sh:NodeShape ; sh:targetClass <http://127.0.0.1:8000/ontology#Theme> ;\n"
        "  sh:property [ sh:path <http://example.org/owner> ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    done = run(str(world_file), "--shapes", str(shapes), cwd=tmp_path)
    assert done.returncode == 1
    assert "<http://127.0.0.1:8000/id/theme/youth>" in done.stdout.decode()


def test_sdg_kos_option_checks_sdg_iris(tmp_path):
    path = tmp_path / "sdg.ttl"
    text = WORLD.replace("<http://metadata.un.org/sdg/C050a01>", "<http://metadata.un.org/sdg/C050a09>")
    path.write_text(text.replace('skos:notation "5.a.1"', 'skos:notation "5.a.9"'), encoding="utf-8")
    # indicator 5.a.9 is well-formed and consistent: only the UN vocabulary knows it does not exist
    assert run(str(path), cwd=tmp_path).returncode == 0
    done = run(str(path), "--sdg-kos", str(kos_or_skip()), cwd=tmp_path)
    assert done.returncode == 1
    assert "has no concept <http://metadata.un.org/sdg/C050a09>" in done.stdout.decode()


def test_a_missing_kos_file_is_exit_2(world_file, tmp_path):
    done = run(str(world_file), "--sdg-kos", str(tmp_path / "nowhere.ttl"), cwd=tmp_path)
    assert done.returncode == 2
    assert "nowhere.ttl" in done.stderr.decode()


NEW_COLLABORATION = """@prefix pk: <http://127.0.0.1:8000/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<http://127.0.0.1:8000/id/collaboration/10-1/UN> a pk:Collaboration ;
    pk:collaborator <http://127.0.0.1:8000/id/org/UN> ; pk:intervention <http://127.0.0.1:8000/id/intervention/10-1> ;
    prov:wasDerivedFrom <http://127.0.0.1:8000/id/para/10/item/1> ; pk:sourceParagraph <http://127.0.0.1:8000/id/para/10> ;
    pk:surfaceForm "联合国"@zh .
"""


def test_a_partial_file_is_checked_against_a_context(world_file, tmp_path):
    """Alone, the organization and intervention a new collaboration names are unknown;
    with the graph as context they resolve, and the context's own problems stay out."""
    data = tmp_path / "new.ttl"
    data.write_text(NEW_COLLABORATION, encoding="utf-8")
    alone = run(str(data), cwd=tmp_path)
    assert alone.returncode == 1
    assert "<http://127.0.0.1:8000/id/org/UN>" in alone.stdout.decode()
    context = tmp_path / "context.ttl"
    # in the context, the organization the new data refers to lacks its acronym: a warning about
    # a node the data only refers to, so it is not the data's problem
    context.write_text(WORLD.replace('skos:notation "UN" ;', ""), encoding="utf-8")
    done = run(str(data), "--context", str(context), cwd=tmp_path)
    assert done.returncode == 0, done.stdout.decode()
    assert done.stdout.decode().startswith("Validation report: conforms (0 violations, 0 warnings, 0 infos)")
    typo = tmp_path / "typo.ttl"
    typo.write_text(NEW_COLLABORATION.replace("/id/org/UN>", "/id/org/UNN>"), encoding="utf-8")
    done = run(str(typo), "--context", str(context), cwd=tmp_path)
    assert done.returncode == 1
    assert "<http://127.0.0.1:8000/id/org/UNN>" in done.stdout.decode()  # the misspelt reference is reported


def test_own_shapes_get_the_ontology_only_with_with_ontology(world_file, tmp_path):
    """sh:class on a superclass holds only with the ontology's rdfs:subClassOf triples in the data."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/S> a sh:NodeShape ; sh:targetNode <http://127.0.0.1:8000/id/org/UNDP> ;\n"
        "  sh:class <http://127.0.0.1:8000/ontology#Organization> .\n",
        encoding="utf-8",
    )
    exact = run(str(world_file), "--shapes", str(shapes), cwd=tmp_path)
    assert exact.returncode == 1 and "<http://127.0.0.1:8000/id/org/UNDP>" in exact.stdout.decode()
    with_ontology = run(str(world_file), "--shapes", str(shapes), "--with-ontology", cwd=tmp_path)
    assert with_ontology.returncode == 0, with_ontology.stdout.decode()
