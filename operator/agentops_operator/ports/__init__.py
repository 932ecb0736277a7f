"""Interfaces to the outside world, one small Protocol each, with a Nop implementation."""
