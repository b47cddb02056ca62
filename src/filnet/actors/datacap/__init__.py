"""The datacap actor (f07): DataCap as an FRC-46 token, minted and burned by the verified registry."""
