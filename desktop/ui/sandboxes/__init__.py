"""The sandbox panel: the team's E2B sandboxes listed and steered without the model."""
