"""Test helpers that ship in the package."""
