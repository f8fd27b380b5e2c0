"""Offline sample world for `borderwatch demo` (see borderwatch.demo.world)."""
