"""The DuckDB warehouse file: where it lives, how a night's candidate is built beside it and swapped in."""
