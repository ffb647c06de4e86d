"""Tests of the WW Go integration, its device library and the emulated device."""
