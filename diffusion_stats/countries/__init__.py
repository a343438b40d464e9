"""countries subpackage."""
