"""plankg: the UN Women Strategic Plan 2022–2025 (UNW/2021/6) as a knowledge graph."""

__version__ = "0.1.0"
