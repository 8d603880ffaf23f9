"""The planner report: a static HTML site (map as inline SVG, graphviz topology, tables, per-district pages)
with Markdown and CSV exports, written atomically and idempotently by `netops report --out DIR`."""
