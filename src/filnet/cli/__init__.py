"""The ``filnet`` command line."""
