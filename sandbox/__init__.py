"""Lets pytest import the emulator's tests as `sandbox.tests`, apart from hubsync's `tests`."""
