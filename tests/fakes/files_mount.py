"""The session files mount: its REST endpoints and the presigned upload/download URLs behind them.

REST, as composio-client 2.0 sends it (`x-api-key` required), under
`/api/v3.1/tool_router/session/{sid}/mounts/{mount_id}/`: `upload_url`, `download_url`,
`items` (cursor paging) and `delete`. The presigned URLs point at this same fake on loopback
(`/presigned/upload|download/{sid}/{path}?expires=&signature=`), as S3's would: they carry an
expiry and an HMAC signature, they are refused when either is wrong (403, S3's XML), and they
must come WITHOUT an API key (refused with 400, and every request records whether one came).
The bytes are kept on disk in the session's mount directory, which the fake workbench sees as
`/mnt/files`; uploads stream to a file outside the mount first, so nothing half-sent is listed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
import secrets
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.fakes.composio_meta import ToolRouterSession
from tests.fakes.composio_rest import PREFIX, SessionApi, composio_error
from tests.fakes.e2b_state import iso
from tests.fakes.serving import DroppedConnectionError
from tests.fakes.workbench import MOUNT_PREFIX, SessionSandbox

if TYPE_CHECKING:
    from tests.fakes.composio_backend import ComposioFake

MOUNT_ID = "files"
CHUNK = 64 * 1024


@dataclass
class MountBehaviour:
    """Switches for upload/download failure tests; change them at any time."""

    url_lifetime: float = 600.0
    """Seconds a presigned URL is valid for."""
    expired_urls: bool = False
    """URLs are issued already expired (the storage answers 403 "Request has expired")."""
    presigned_status: int | None = None
    """Every presigned request is answered with this status (403: S3's AccessDenied)."""
    presigned_delay: float = 0.0
    """Seconds a presigned request waits before its body is read or its answer sent."""
    drop_upload_after: int | None = None
    """An upload's connection is cut once this many of its bytes have arrived."""
    download_without_length: bool = False
    """Downloads are sent chunked, without a Content-Length (so only counting can bound them)."""
    url_base: str | None = None
    """Presigned URLs name this origin instead of the fake's (an address the app must refuse)."""


@dataclass
class PresignedRequest:
    """One request to a presigned URL, as the fake saw it."""

    method: str
    session_id: str
    mount_relative_path: str
    headers: dict[str, str]
    status: int = 0
    received: int = 0  # bytes of the body that arrived

    @property
    def api_key_sent(self) -> bool:
        return "x-api-key" in self.headers or "authorization" in self.headers


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


def mount_path_problem(path: object) -> str | None:
    """Why `path` is not a usable `mount_relative_path`, or None."""
    if not isinstance(path, str) or not path.strip():
        return "mount_relative_path is required"
    parts = PurePosixPath(path).parts
    if path.startswith("/") or "\\" in path or "\x00" in path or ".." in parts or len(path) > 1024:
        return f"Invalid mount_relative_path: {path!r}"
    return None


class FilesMount:
    """The mount's state (files on disk, presigned requests seen) and its routes."""

    def __init__(self, backend: ComposioFake) -> None:
        self.backend = backend
        self.behaviour = MountBehaviour()
        self._secret = secrets.token_bytes(16)
        self._lock = threading.Lock()
        self._presigned: list[PresignedRequest] = []
        self._mimetypes: dict[tuple[str, str], str] = {}

    def reset(self) -> None:
        self.behaviour = MountBehaviour()
        with self._lock:
            self._presigned.clear()
            self._mimetypes.clear()

    # ------------------------------------------------------------------ inspection
    @property
    def presigned_requests(self) -> list[PresignedRequest]:
        with self._lock:
            return list(self._presigned)

    def sandbox(self, session_id: str) -> SessionSandbox:
        return self.backend.sandboxes.get(session_id)

    def files(self, session_id: str) -> dict[str, bytes]:
        """Every file in the session's mount, by `mount_relative_path`."""
        mount = self.sandbox(session_id).mount
        return {
            path.relative_to(mount).as_posix(): path.read_bytes()
            for path in sorted(mount.rglob("*"))
            if path.is_file()
        }

    def put_file(self, session_id: str, mount_relative_path: str, data: bytes) -> None:
        """A file in the mount, as if code in the workbench had written it."""
        target = self.sandbox(session_id).mount / mount_relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    # ------------------------------------------------------------------ presigned URLs
    def _signature(self, op: str, session_id: str, path: str, expires: int) -> str:
        message = f"{op}\n{session_id}\n{path}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def presigned_url(self, op: str, session_id: str, path: str) -> tuple[str, str]:
        """(the URL, its expiry as ISO 8601)."""
        lifetime = -60.0 if self.behaviour.expired_urls else self.behaviour.url_lifetime
        expires = int(time.time() + lifetime)
        signature = self._signature(op, session_id, path, expires)
        base = self.behaviour.url_base or self.backend.base_url
        url = (
            f"{base}/presigned/{op}/{quote(session_id, safe='')}/"
            f"{quote(path)}?expires={expires}&signature={signature}"
        )
        return url, iso(expires)

    def _refusal(self, request: Request, op: str, record: PresignedRequest) -> Response | None:
        forced = self.behaviour.presigned_status
        if forced is not None:
            answer = _s3_error(forced, "AccessDenied" if forced == 403 else "Scripted", "Scripted")
            if 300 <= forced < 400:  # a redirect, to where no file should go
                answer.headers["location"] = "http://169.254.169.254/latest/meta-data/"
            return answer
        if record.api_key_sent:
            return _s3_error(400, "InvalidRequest", "A presigned request carries no credentials")
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            return _s3_error(403, "AccessDenied", "Query-string authentication requires expires")
        wanted = self._signature(op, record.session_id, record.mount_relative_path, expires)
        if not hmac.compare_digest(wanted, request.query_params.get("signature", "")):
            return _s3_error(403, "SignatureDoesNotMatch", "The signature does not match")
        if expires < time.time():
            return _s3_error(403, "AccessDenied", "Request has expired")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The presigned URLs' ASGI app (raw ASGI: an upload's connection can be cut)."""
        request = Request(scope, receive)
        op = request.path_params["op"]
        record = PresignedRequest(
            request.method,
            request.path_params["session_id"],
            request.path_params["path"],
            {k.lower(): v for k, v in request.headers.items()},
        )
        with self._lock:
            self._presigned.append(record)
        if self.behaviour.presigned_delay:
            await self.backend.gate.wait(self.behaviour.presigned_delay)
        response = self._refusal(request, op, record)
        if response is None and (op, request.method) == ("upload", "PUT"):
            response = await self._receive(request, record, send)
        elif response is None and (op, request.method) == ("download", "GET"):
            response = self._serve(record)
        elif response is None:
            response = _s3_error(405, "MethodNotAllowed", "The method is not allowed")
        record.status = response.status_code
        await response(scope, receive, send)

    async def _receive(self, request: Request, record: PresignedRequest, send: Send) -> Response:
        sandbox = self.sandbox(record.session_id)
        partial = sandbox.incoming / f"{secrets.token_hex(8)}.part"
        limit = self.behaviour.drop_upload_after
        try:
            with partial.open("wb") as handle:
                async for chunk in request.stream():
                    handle.write(chunk)
                    record.received += len(chunk)
                    if limit is not None and record.received >= limit:
                        record.status = -1  # cut
                        # A started answer, then the connection closed under it (uvicorn closes
                        # the transport when a handler fails after its answer started).
                        await send({"type": "http.response.start", "status": 200, "headers": []})
                        raise DroppedConnectionError
            target = sandbox.mount / record.mount_relative_path
            target.parent.mkdir(parents=True, exist_ok=True)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        kind = request.headers.get("content-type", "application/octet-stream")
        with self._lock:
            self._mimetypes[(record.session_id, record.mount_relative_path)] = kind
        return Response(status_code=200, headers={"etag": f'"{secrets.token_hex(16)}"'})

    def _serve(self, record: PresignedRequest) -> Response:
        path = self.sandbox(record.session_id).mount / record.mount_relative_path
        if not path.is_file():
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        with self._lock:
            kind = self._mimetypes.get((record.session_id, record.mount_relative_path))
        kind = kind or mimetypes.guess_type(path.name)[0] or "application/octet-stream"

        def chunks() -> Any:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        headers = (
            {}
            if self.behaviour.download_without_length
            else {"content-length": str(path.stat().st_size)}
        )
        return StreamingResponse(chunks(), media_type=kind, headers=headers)

    def routes(self) -> list[Route]:
        base = PREFIX + "/{session_id}/mounts/{mount_id}"
        rest = MountApi(self)
        return [
            Route(base + "/upload_url", rest.upload_url, methods=["POST"]),
            Route(base + "/download_url", rest.download_url, methods=["POST"]),
            Route(base + "/items", rest.items, methods=["GET"]),
            Route(base + "/delete", rest.delete, methods=["POST"]),
            Route("/presigned/{op}/{session_id}/{path:path}", self, methods=["PUT", "GET"]),
        ]


class MountApi(SessionApi):
    """The mount's REST handlers, with the session API's key, body and session checks."""

    def __init__(self, mount: FilesMount) -> None:
        super().__init__(mount.backend)
        self.mount = mount

    async def _session(
        self, request: Request, with_path: bool = True
    ) -> tuple[ToolRouterSession, SessionSandbox, str] | Response:
        """The session, its sandbox and the body's `mount_relative_path` (when `with_path`), or
        the error answer."""
        checked = await self.checked(request)
        if isinstance(checked, Response):
            return checked
        body, found = checked
        if request.path_params["mount_id"] != MOUNT_ID:
            mount_id = request.path_params["mount_id"]
            return composio_error(404, f"Mount '{mount_id}' not found", "ToolRouter_MountNotFound")
        path = body.get("mount_relative_path")
        problem = mount_path_problem(path) if with_path else None
        if problem is not None:
            return composio_error(400, problem, "Common_ValidationError")
        return found, self.mount.sandbox(found.session_id), str(path or "")

    async def _url(self, request: Request, op: str) -> Response:
        checked = await self._session(request)
        if isinstance(checked, Response):
            return checked
        session, _, path = checked
        url, expires_at = self.mount.presigned_url(op, session.session_id, path)
        return JSONResponse(
            {
                f"{op}_url": url,
                "expires_at": expires_at,
                "mount_relative_path": path,
                "sandbox_mount_prefix": MOUNT_PREFIX,
            }
        )

    async def upload_url(self, request: Request) -> Response:
        return await self._url(request, "upload")

    async def download_url(self, request: Request) -> Response:
        return await self._url(request, "download")

    async def items(self, request: Request) -> Response:
        checked = await self._session(request, with_path=False)
        if isinstance(checked, Response):
            return checked
        _, sandbox, _ = checked
        query = request.query_params
        try:
            limit = int(query.get("limit") or 100)
            after = base64.urlsafe_b64decode(query.get("cursor") or "").decode() or None
        except ValueError:
            return composio_error(400, "Invalid limit or cursor", "Common_ValidationError")
        if not 1 <= limit <= 500:
            return composio_error(400, "limit must be between 1 and 500", "Common_ValidationError")
        prefix = query.get("mount_relative_prefix") or ""
        paths = sorted(
            (p.relative_to(sandbox.mount).as_posix(), p)
            for p in sandbox.mount.rglob("*")
            if p.is_file()
        )
        chosen = [(n, p) for n, p in paths if n.startswith(prefix) and (after is None or n > after)]
        page, more = chosen[:limit], len(chosen) > limit
        items = [
            {
                "mount_relative_path": name,
                "sandbox_mount_prefix": MOUNT_PREFIX,
                "size": path.stat().st_size,
                "last_modified": iso(path.stat().st_mtime),
            }
            for name, path in page
        ]
        cursor = base64.urlsafe_b64encode(page[-1][0].encode()).decode() if more else None
        return JSONResponse({"items": items, "next_cursor": cursor})

    async def delete(self, request: Request) -> Response:
        checked = await self._session(request)
        if isinstance(checked, Response):
            return checked
        _, sandbox, path = checked
        target = sandbox.mount / path
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        else:
            return composio_error(404, f"File '{path}' not found", "ToolRouter_FileNotFound")
        return JSONResponse({"mount_relative_path": path, "sandbox_mount_prefix": MOUNT_PREFIX})


__all__ = ["MOUNT_ID", "FilesMount", "MountBehaviour", "PresignedRequest", "mount_path_problem"]
