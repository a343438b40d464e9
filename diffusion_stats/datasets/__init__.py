"""datasets subpackage."""
