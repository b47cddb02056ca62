"""Core value types and small utilities shared by every layer."""
