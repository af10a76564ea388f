"""The user's E2B sandboxes without the model: listed and steered by direct calls on the Tool
Router connection, their running cost, the refresh policy and the quit question
(`service.SandboxService` is what the faces use)."""
