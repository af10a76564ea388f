"""The Tool Router meta tools as Composio lists them (trimmed composio-meta-tools.json)."""

from __future__ import annotations

from typing import Any


def _typed(kind: str, title: str) -> dict[str, Any]:
    return {"type": kind, "title": title}


def _session_id() -> dict[str, Any]:
    """The optional `session_id` property most meta tools end with."""
    return {"session_id": _typed("string", "Session ID")}


def _progress() -> dict[str, Any]:
    """The step-tracking properties of the execute / workbench tools, then `session_id`."""
    return {
        "current_step": _typed("string", "Current Step"),
        "current_step_metric": _typed("string", "Current Step Metric"),
        **_session_id(),
    }


META_TOOLS: dict[str, dict[str, Any]] = {
    "COMPOSIO_SEARCH_TOOLS": {
        "annotations": ["important", "openWorldHint", "readOnlyHint"],
        "description": (
            "Discover relevant tools plus recommended plan and pitfalls. Always call first. "
            "SESSION: pass session {generate_id: true} for new workflows or {id: "
            "EXISTING_ID}; reuse returned session id in all subsequent meta tool calls. Tools"
            " returned are executed via COMPOSIO_MULTI_EXECUTE_TOOL."
        ),
        "inputSchema": {
            "type": "object",
            "title": "SearchToolsRequest",
            "required": ["queries"],
            "properties": {
                "queries": {
                    "type": "array",
                    "minItems": 1,
                    "title": "Queries",
                    "description": "Structured English search queries; each returns 4-6 tools.",
                    "items": {
                        "type": "object",
                        "required": ["use_case"],
                        "properties": {
                            "use_case": {
                                "type": "string",
                                "maxLength": 1024,
                                "title": "Use Case",
                                "description": (
                                    "Normalized English description of the use case, e.g. "
                                    "'create an e2b sandbox'."
                                ),
                            },
                            "known_fields": {
                                "type": "string",
                                "description": (
                                    "Comma-separated key:value hints, e.g. 'template_id:base'."
                                ),
                            },
                        },
                    },
                },
                "session": {
                    "type": "object",
                    "description": (
                        "Use {generate_id: true} for new workflows or {id: 'EXISTING_ID'}."
                    ),
                    "properties": {
                        "id": _typed("string", "Session ID"),
                        "generate_id": _typed("boolean", "Generate ID"),
                    },
                },
                "model": {
                    "type": "string",
                    "title": "Model",
                    "description": "Client LLM model name (optional).",
                },
            },
        },
        "responseDataRequired": [
            "results",
            "tool_schemas",
            "toolkit_connection_statuses",
            "time_info",
            "session",
            "next_steps_guidance",
        ],
    },
    "COMPOSIO_GET_TOOL_SCHEMAS": {
        "annotations": ["readOnlyHint"],
        "description": (
            "Retrieve input schemas for tools by slug (slugs from COMPOSIO_SEARCH_TOOLS)."
        ),
        "inputSchema": {
            "type": "object",
            "title": "GetToolSchemasRequest",
            "required": ["tool_slugs"],
            "properties": {
                "tool_slugs": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "minLength": 1,
                    },
                    "title": "Tool Slugs",
                },
                "include": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": ["input_schema", "output_schema"],
                    },
                    "default": ["input_schema"],
                },
                **_session_id(),
            },
        },
        "responseDataRequired": ["success", "tool_schemas"],
    },
    "COMPOSIO_MANAGE_CONNECTIONS": {
        "annotations": ["openWorldHint", "destructiveHint"],
        "description": (
            "Create or manage connections to user's apps. Returns a branded authentication "
            "link (redirect_url) for OAuth, API keys and all other auth types. Show "
            "redirect_url as a markdown link; execute tools only after the connection is "
            "Active."
        ),
        "inputSchema": {
            "type": "object",
            "title": "ManageConnectionsRequest",
            "required": ["toolkits"],
            "properties": {
                "toolkits": {
                    "type": "array",
                    "items": {
                        "type": "string",
                    },
                    "title": "Toolkits",
                    "description": "Toolkit slugs, e.g. ['e2b'].",
                },
                "reinitiate_all": {
                    "type": "boolean",
                    "default": False,
                    "title": "Reinitiate All",
                },
                **_session_id(),
            },
        },
        "responseDataRequired": ["message", "results"],
        "responseResultItem": {
            "required": ["toolkit", "status"],
            "status_enum": ["active", "initiated", "failed"],
            "fields": [
                "has_active_connection",
                "auth_config_id",
                "connected_account_id",
                "created_at",
                "current_user_info",
                "error_message",
                "instruction",
                "redirect_url",
                "status",
                "toolkit",
                "was_reinitiated",
                "account_type",
            ],
        },
    },
    "COMPOSIO_WAIT_FOR_CONNECTIONS": {
        "annotations": ["readOnlyHint", "idempotentHint"],
        "description": (
            "Wait for user auth to finish (call only after showing the auth link). Blocks "
            "until any/all toolkits reach ACTIVE/FAILED or timeout. Only exposed when "
            "manage_connections.wait_for_connections=True."
        ),
        "inputSchema": {
            "type": "object",
            "title": "WaitForConnectionRequest",
            "required": ["toolkits"],
            "properties": {
                "toolkits": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "string",
                    },
                    "title": "Toolkits",
                },
                "mode": {
                    "type": "string",
                    "enum": ["any", "all"],
                    "default": "any",
                    "title": "Mode",
                },
                **_session_id(),
            },
        },
        "responseDataRequired": ["message", "results"],
    },
    "COMPOSIO_MULTI_EXECUTE_TOOL": {
        "annotations": ["openWorldHint", "destructiveHint", "important"],
        "description": (
            "Execute up to 50 logically independent tools (discovered via "
            "COMPOSIO_SEARCH_TOOLS) in parallel. Requires an ACTIVE connection for each "
            "toolkit."
        ),
        "inputSchema": {
            "type": "object",
            "title": "MultiExecuteToolRequest",
            "required": ["tools", "sync_response_to_workbench"],
            "properties": {
                "tools": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 50,
                    "title": "Tools",
                    "items": {
                        "type": "object",
                        "title": "MultiExecuteToolItem",
                        "required": ["tool_slug", "arguments"],
                        "properties": {
                            "tool_slug": {
                                "type": "string",
                                "minLength": 1,
                                "title": "Tool Slug",
                                "examples": ["E2B_CREATE_SANDBOX"],
                            },
                            "arguments": {
                                "type": "object",
                                "additionalProperties": True,
                                "title": "Arguments",
                            },
                        },
                    },
                },
                "thought": _typed("string", "Thought"),
                "sync_response_to_workbench": _typed("boolean", "Sync Response To Workbench"),
                **_progress(),
            },
        },
        "responseDataRequired": ["results", "total_count", "success_count", "error_count"],
        "responseResultItem": {
            "required": ["tool_slug", "index"],
            "fields": ["error", "index", "response", "tool_slug"],
        },
    },
    "COMPOSIO_REMOTE_WORKBENCH": {
        "annotations": ["destructiveHint", "openWorldHint"],
        "description": (
            "Run Python in a persistent remote Jupyter sandbox (180 s per cell). Only exposed"
            " when sandbox/workbench is enabled (default)."
        ),
        "inputSchema": {
            "type": "object",
            "title": "RemoteWorkbenchRequest",
            "required": ["code_to_execute"],
            "properties": {
                "code_to_execute": _typed("string", "Code To Execute"),
                "thought": _typed("string", "Thought"),
                **_progress(),
            },
        },
        "responseDataRequired": ["results", "stdout", "stderr"],
    },
    "COMPOSIO_REMOTE_BASH_TOOL": {
        "annotations": ["destructiveHint", "openWorldHint"],
        "description": (
            "Execute bash commands in a remote sandbox (180 s limit, cwd /home/user). Only "
            "exposed when sandbox/workbench is enabled (default)."
        ),
        "inputSchema": {
            "type": "object",
            "title": "RemoteBashToolInput",
            "required": ["command"],
            "properties": {
                "command": _typed("string", "Command"),
                **_session_id(),
            },
        },
        "responseDataRequired": ["stdout", "stdoutLines", "stderr", "stderrLines"],
    },
}
