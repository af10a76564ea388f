"""The conversation store: records and their codec, schema and migrations, SQLite, search, export,
the async facade.
"""
