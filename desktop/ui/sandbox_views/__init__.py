"""Renderers of E2B's records, shared by the sandbox panel's details and the chat's tool cards:
a metrics chart, a table, log lines. They paint what `desktop.core.sandboxes.shown` gives."""
