"""Consent: what each action does to the user's cloud, and whether a person decides first."""
