-- Library movements that already have one of these names.
SELECT name, slug FROM movement_library WHERE name = ANY(%(names)s)
