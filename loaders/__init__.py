"""Loaders: turn the plan text and the curated registry into plain data, then into RDF."""
