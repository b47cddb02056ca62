"""Filecoin pieces: Fr32 padding, CommP and piece CIDs (v1 and FRC-0069 v2)."""
