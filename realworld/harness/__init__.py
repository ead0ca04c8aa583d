"""The real-world regression suite: Debian security fixes live-patched into
running programs under load (see docs/real-world.md)."""
