"""CAR (Content Addressable aRchive) files: CARv1 and CARv2."""
