"""Benchmarks of the library-news crawler: `python -m bench.run` (see BENCHMARKS.md)."""
