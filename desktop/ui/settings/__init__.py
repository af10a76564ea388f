"""The Settings dialog: fields, keys and Test connection."""
