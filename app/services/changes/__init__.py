"""What changed: the events every write records, tombstones of deleted rows, and the change feed."""
