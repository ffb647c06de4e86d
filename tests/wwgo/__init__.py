"""Tests of wwgo."""
