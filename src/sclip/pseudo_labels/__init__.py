"""Pseudo-labels for images without captions: optimal transport and keyword candidates."""
