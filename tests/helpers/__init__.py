"""Builders shared by test modules."""
