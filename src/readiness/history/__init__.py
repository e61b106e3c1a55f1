"""What every run and every watch round measured on a target, kept in one SQLite file, so
that a run is compared with the last GO and a watch draws its trend."""
