"""Chain data: messages (blocks, tipsets and the chain store come later)."""
