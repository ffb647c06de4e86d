"""Benchmarks of the WW Go integration against the emulated device (``simulator``)."""
