"""Readers, the built-in synthetic domain, image loading and the paired/unpaired split."""
