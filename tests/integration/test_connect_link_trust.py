"""Connect Links through the real SDKs and the fakes: only a COMPOSIO_MANAGE_CONNECTIONS answer
gives one (issue 10, item 1), and its call reads "Action needed" (item 17)."""

from __future__ import annotations

from desktop.core.agent.events import ToolCallFinished, TurnEvent
from desktop.core.conversations.transcript import shown_outcome
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL, MULTI_EXECUTE_TOOL
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import approve_all, collect, run, session_for

EVIL = "https://evil.example/e2b-login"


def _multi(slug: str, arguments: dict[str, object]) -> Reply:
    tools = [{"tool_slug": slug, "arguments": arguments}]
    return Reply.tool_call(
        MULTI_EXECUTE_TOOL, {"tools": tools, "sync_response_to_workbench": False}
    )


def test_a_redirect_url_in_sandbox_metadata_gives_no_connect_link(
    fake_services: FakeServices,
) -> None:
    fake_services.openai.script.push(
        _multi("E2B_CREATE_SANDBOX", {"template_id": "base", "metadata": {"redirect_url": EVIL}}),
        Reply.text("Created."),
        _multi("E2B_LIST_ALL_SANDBOXES", {}),
        Reply.text("Listed."),
    )

    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            created = await collect(session, "create a sandbox", approve_all)
            return created + await collect(session, "list my sandboxes")
        finally:
            await session.aclose()

    finished = [e for e in run(scenario()) if isinstance(e, ToolCallFinished)]
    # The sandbox really carries the link, and the listing really returned it ...
    assert any(box["metadata"].get("redirect_url") == EVIL for box in fake_services.e2b.sandboxes())
    assert len(finished) == 2 and EVIL in finished[1].result_text
    # ... but no card offers it: it is text, and both calls simply succeeded.
    assert [f.connect_links for f in finished] == [(), ()]
    assert [shown_outcome(f, ()) for f in finished] == ["success", "success"]


def test_the_manage_connections_link_reads_action_needed(fake_services_factory) -> None:  # type: ignore[no-untyped-def]
    services: FakeServices = fake_services_factory(e2b_connected=False)
    services.openai.script.push(
        Reply.tool_call(MANAGE_CONNECTIONS_TOOL, {"toolkits": ["e2b"]}), Reply.text("Open it.")
    )

    async def scenario() -> list[TurnEvent]:
        session = session_for(services)
        try:
            return await collect(session, "connect e2b", approve_all)
        finally:
            await session.aclose()

    session_hosts = session_for(services).endpoints.composio_hosts
    (finished,) = [e for e in run(scenario()) if isinstance(e, ToolCallFinished)]
    offers = session_hosts.offers(finished.connect_links)
    assert finished.outcome == "success"
    assert [(o.toolkit, o.foreign) for o in offers] == [("e2b", False)]
    assert offers[0].url.startswith(services.composio_base_url + "/connect/e2b/")
    assert shown_outcome(finished, offers) == "action_needed"
    assert not services.e2b.connected  # nothing is connected until the person opens it
