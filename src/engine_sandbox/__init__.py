"""What the suite and the tests run the reference engine in, apart from the engine itself: an
embedded Postgres (pgserver, a template cluster copied per run), the run's own temporary
folders swept after a crash, and synthetic movement files for the import benchmarks. The
engine never imports this package; the suite, the tests and the benchmarks do."""
