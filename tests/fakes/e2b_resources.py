"""Templates, builds and webhooks of the E2B emulator (the non-sandbox E2B tools)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from tests.fakes.e2b_state import ALIASES, TEAM_ID, E2BError, Template, arg, default_templates, iso


class TemplatesAndWebhooks:
    """The team's templates, template builds and webhooks; `_do_<slug>` handlers per tool."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.templates: dict[str, Template] = default_templates(clock())
        self._builds: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}

    def template(self, ref: str) -> Template:
        """A template by ID or alias (404 otherwise)."""
        for template in self.templates.values():
            if ref == template.template_id or ref in template.aliases:
                return template
        raise E2BError(404, f"template '{ref}' not found")

    # ------------------------------------------------------------------ templates
    def _do_list_all_templates(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"templates": [t.as_dict() for t in self.templates.values()]}

    def _do_create_template(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(arg(args, "name", "alias"))
        if any(name in t.aliases for t in self.templates.values()):
            raise E2BError(409, f"template with alias '{name}' already exists")
        template = Template.new(
            name,
            self._clock(),
            int(arg(args, "cpuCount", default=2)),
            int(arg(args, "memoryMB", default=1024)),
        )
        self.templates[template.template_id] = template
        self._builds[template.build_id] = {
            "templateID": template.template_id,
            "status": "waiting",
            "polls": 0,
        }
        return {
            "templateID": template.template_id,
            "buildID": template.build_id,
            "public": False,
            "aliases": [name],
            "names": [name],
            "tags": list(arg(args, "tags", default=["default"])),
        }

    def _do_update_template(self, args: dict[str, Any]) -> dict[str, Any]:
        template = self.template(str(arg(args, "template_id", *ALIASES["template_id"])))
        if (public := arg(args, "public")) is not None:
            template.public = bool(public)
        template.updated_at = self._clock()
        return {"names": template.aliases}

    def _build(self, args: Mapping[str, Any]) -> tuple[Template, dict[str, Any], str]:
        template = self.template(str(arg(args, "template_id", *ALIASES["template_id"])))
        build_id = str(arg(args, "build_id", "buildID"))
        build = self._builds.get(build_id)
        if build is None or build["templateID"] != template.template_id:
            raise E2BError(404, f"build '{build_id}' not found")
        return template, build, build_id

    def _do_start_template_build(self, args: dict[str, Any]) -> dict[str, Any]:
        _, build, _ = self._build(args)
        build["status"] = "building"
        return {"status_code": 202, "message": "Build started"}

    def _do_get_template_build_status(self, args: dict[str, Any]) -> dict[str, Any]:
        template, build, build_id = self._build(args)
        if build["status"] == "building":
            build["polls"] += 1
            if build["polls"] > 1:
                build["status"] = "ready"
        line = f"Build {build_id}: {build['status']}"
        return {
            "templateID": template.template_id,
            "buildID": build_id,
            "status": build["status"],
            "logs": [line],
            "logEntries": [
                {"timestamp": iso(self._clock()), "level": "info", "message": line, "step": "base"}
            ],
        }

    def _do_get_template_files(self, args: dict[str, Any]) -> dict[str, Any]:
        template = self.template(str(arg(args, "template_id", *ALIASES["template_id"])))
        digest = arg(args, "hash")
        return {
            "present": False,
            "url": f"https://storage.e2b.test/templates/"
            f"{template.template_id}/files/{digest}?signature=fake",
        }

    # ------------------------------------------------------------------ webhooks
    def _webhook(self, args: Mapping[str, Any]) -> dict[str, Any]:
        webhook_id = str(arg(args, "webhook_id", "webhookID", "id"))
        if webhook_id not in self.webhooks:
            raise E2BError(404, f"webhook '{webhook_id}' not found")
        return self.webhooks[webhook_id]

    def _do_list_all_webhooks(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"webhooks": list(self.webhooks.values())}

    def _do_get_webhook_configuration(self, args: dict[str, Any]) -> dict[str, Any]:
        return dict(self._webhook(args))

    def _do_create_webhook(self, args: dict[str, Any]) -> dict[str, Any]:
        url = str(arg(args, "url"))
        if not url.startswith(("http://", "https://")):
            raise E2BError(400, "url must be an http(s) URL")
        hook = {
            "id": str(uuid.uuid4()),
            "teamID": TEAM_ID,
            "name": arg(args, "name", default=""),
            "url": url,
            "enabled": bool(arg(args, "enabled", default=True)),
            "events": list(arg(args, "events")),
            "createdAt": iso(self._clock()),
        }
        self.webhooks[hook["id"]] = hook
        return dict(hook)

    def _do_update_webhook_configuration(self, args: dict[str, Any]) -> dict[str, Any]:
        hook = self._webhook(args)
        for key in ("url", "enabled", "events", "name"):
            if key in args and args[key] is not None:
                hook[key] = args[key]
        return dict(hook)

    def _do_delete_webhook(self, args: dict[str, Any]) -> dict[str, Any]:
        hook = self._webhook(args)
        del self.webhooks[hook["id"]]
        return {"id": hook["id"], "message": "Webhook deleted"}
