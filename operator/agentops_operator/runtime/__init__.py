"""Observe the cluster, ask the engine, execute its Decision: the I/O around the pure core."""
