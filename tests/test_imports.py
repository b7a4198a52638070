"""Imports flow one way (STYLE.md): pure image ops <- models and losses <- training <- looks <- the public API and
batch work <- CLI and web. Read from the source (every import, lazy ones inside functions too), so a new upward
import fails here instead of becoming a circle (the film renderer once reached up into the look registry)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "retrogan"

# each top-level module or subpackage of retrogan and its level; a module may import its own level and below
LEVELS = {
    "errors": 0, "defaults": 0, "cancel": 0, "device": 0,
    "imaging": 1, "luts": 1, "metrics": 1, "charts": 1,
    "film": 2,
    "models": 3, "features": 3, "losses": 3,
    "transfer": 4, "train": 4,
    "looks": 5,
    "batch": 6, "video": 6, "export": 6, "synth": 6, "evaluate": 6, "api": 6, "distributed": 6,
    "web": 7, "cli": 7, "__main__": 8, "data": 0,
}
FORBIDDEN_SAME_LEVEL = {("transfer", "train")}  # train may use transfer (the unpaired prior), never the reverse


def imports() -> list[tuple[str, str, str]]:
    """(importing group, imported group, file) for every relative import between groups."""
    out = []
    for f in PACKAGE.rglob("*.py"):
        rel = f.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        group = parts[1] if len(parts) > 1 else "__init__"
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - (node.level - 1)]
                names = [node.module] if node.module else [a.name for a in node.names]
                for name in names:
                    target = (base + name.split("."))[1:]
                    if target and target[0] != group:
                        out.append((group, target[0], str(f.relative_to(PACKAGE))))
    return out


def test_every_group_has_a_level():
    groups = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
              if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())) and p.stem != "__init__"}
    assert groups <= set(LEVELS), sorted(groups - set(LEVELS))


def test_imports_flow_one_way():
    upward = [(a, b, f) for a, b, f in imports() if a != "__init__" and b in LEVELS and (
        LEVELS[b] > LEVELS[a] or (a, b) in FORBIDDEN_SAME_LEVEL)]
    assert not upward, "\n".join(f"{f}: {a} (level {LEVELS[a]}) imports {b} (level {LEVELS[b]})" for a, b, f in upward)


def test_the_film_renderer_and_the_looks_form_no_circle():
    edges = {(a, b) for a, b, _ in imports()}
    assert ("looks", "film") in edges and ("film", "looks") not in edges
