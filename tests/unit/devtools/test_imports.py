"""plankg.devtools.imports: the project's imports flow one way (no cycle) and no router imports a
router; the checker itself finds both in a small tree made to have them."""

from __future__ import annotations

from pathlib import Path

from plankg.devtools.imports import ImportGraph, main

ROOT = Path(__file__).resolve().parents[3]


def test_the_project_has_no_import_cycle_and_no_router_imports_a_router():
    graph = ImportGraph.of(ROOT)
    assert graph.routers, "service.app.ROUTER_MODULES was not found"
    assert graph.problems() == []


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def small_tree(tmp_path: Path, **files: str) -> ImportGraph:
    base = {
        "plankg/__init__.py": "",
        "loaders/__init__.py": "",
        "service/__init__.py": "",
        "service/app.py": 'ROUTER_MODULES = ("service.a", "service.b")\n',
        "service/a.py": "",
        "service/b.py": "",
        "service/shared.py": "",
    }
    write(tmp_path, base | {k.replace("__", "/") + ".py": v for k, v in files.items()})
    return ImportGraph.of(tmp_path)


def test_a_cycle_through_a_deferred_import_is_found(tmp_path):
    graph = small_tree(tmp_path, plankg__x="from plankg import y\n", plankg__y="def f():\n    from plankg.x import g\n")
    assert graph.cycles() == [["plankg.x", "plankg.y"]]


def test_relative_imports_count(tmp_path):
    graph = small_tree(tmp_path, plankg__x="from .y import g\n", plankg__y="from . import x\n")
    assert graph.cycles() == [["plankg.x", "plankg.y"]]


def test_imports_for_type_checking_only_do_not_count(tmp_path):
    graph = small_tree(
        tmp_path,
        plankg__x="from plankg import y\n",
        plankg__y="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from plankg.x import g\n",
    )
    assert graph.cycles() == []


def test_a_router_importing_a_router_is_found_and_a_shared_module_is_not(tmp_path):
    graph = small_tree(tmp_path, service__a="from service.b import render\nfrom service.shared import helper\n")
    assert graph.router_imports() == [("service.a", "service.b")]
    assert graph.problems() == ["router service.a imports router service.b"]


def test_check_exits_0_on_this_project(capsys):
    assert main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_architecture_md_carries_the_module_list_and_import_graph_of_the_code():
    doc = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert ImportGraph.of(ROOT).with_block(doc) == doc, "run: python -m plankg.devtools.imports --write"
