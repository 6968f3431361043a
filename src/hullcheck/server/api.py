"""The versioned JSON API (``/api/v1``): submit scans, read images, reports and history,
compare scans, manage tokens.  Every route needs a token of the scope it names."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from hullcheck.server import alerts, store, tokens, vault
from hullcheck.server.alerts import Deliverer
from hullcheck.server.db import Base, Event, Image, Policy, Scan, Token, Watch, Webhook
from hullcheck.server.guard import Authenticator, Caller, RateLimiter, bearer
from hullcheck.server.metrics import Metrics
from hullcheck.server.policies import validate as validate_policy
from hullcheck.server.references import RefusedReference, check_reference
from hullcheck.server.rematch import queue_rematches
from hullcheck.server.settings import ServerSettings
from hullcheck.server.worker import Workers


@dataclass
class Context:
    """What every route may use; built once by ``app.create_app``."""

    settings: ServerSettings
    sessions: sessionmaker[Any]
    auth: Authenticator
    limiter: RateLimiter
    workers: Workers
    metrics: Metrics
    secret: bytes
    deliverer: Deliverer


class Submit(BaseModel):
    """Exactly one of ``image``, ``sbom`` or ``report``."""

    image: str | None = Field(None, description="a registry reference to pull and scan")
    sbom: dict[str, Any] | None = Field(None, description="a CycloneDX or SPDX JSON SBOM")
    report: dict[str, Any] | None = Field(None, description="a `hullcheck scan -f json` report")
    reference: str | None = Field(None, description="what the SBOM or report describes")


class NewWebhook(BaseModel):
    url: str = Field(..., pattern="^https?://", max_length=2000)
    min_severity: str = Field("high", pattern="^(critical|high|unknown|medium|low|info)$")
    secret: str | None = Field(None, min_length=16, max_length=200)


class NewWatch(BaseModel):
    repository: str = Field(..., max_length=500, description="registry/name, no tag")
    tags: str = Field("*", max_length=200, description="a glob of the tags to follow")
    interval: int = Field(300, ge=1, le=86400, description="seconds between polls")
    username: str | None = Field(None, max_length=200)
    password: str | None = Field(None, max_length=2000)


class NewPolicy(BaseModel):
    name: str = Field(..., min_length=1, max_length=200)
    repositories: str = Field("*", max_length=500, description="a glob of repositories")
    config: str = Field(..., max_length=1_000_000, description="a .hullcheck.yaml")
    ignores: str | None = Field(None, max_length=1_000_000, description="a .hullcheckignore")


class NewToken(BaseModel):
    name: str = Field(..., min_length=1, max_length=200)
    scope: str = Field("read", pattern="^(read|write|admin)$")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite hands datetimes back without their zone; all are UTC)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def scan_json(scan: Scan, image: Image | None = None) -> dict[str, Any]:
    return {
        "id": scan.uid,
        "kind": scan.kind,
        "reference": scan.reference,
        "repository": image.repository if image is not None else None,
        "status": scan.status,
        "digest": scan.digest,
        "submitted_at": iso(scan.submitted_at),
        "finished_at": iso(scan.finished_at),
        "attempts": scan.attempts,
        "worst": scan.worst,
        "counts": scan.counts or {},
        "exit_code": scan.exit_code,
        "error": scan.error,
        # a report from a run that exited 2 is incomplete: its error names what went unchecked
        "complete": (scan.exit_code != 2) if scan.report is not None else None,
    }


RowT = TypeVar("RowT", bound=Base)


def add_unique(ctx: Context, row: RowT, conflict: str) -> RowT:
    """Store a new row; 409 with ``conflict`` when its unique key exists (the database's
    constraint decides, so two concurrent requests cannot both pass a check)."""
    with ctx.sessions() as session:
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise HTTPException(409, conflict) from None
    return row


def delete_row(ctx: Context, model: type[Base], row_id: int, what: str) -> Response:
    """Delete one row by id: 204, or 404 naming what was not found."""
    with ctx.sessions() as session:
        row = session.get(model, row_id)
        if row is None:
            raise HTTPException(404, f"no such {what}")
        session.delete(row)
        session.commit()
    return Response(status_code=204)


def policy_json(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "name": policy.name,
        "repositories": policy.repositories,
        "config": policy.config,
        "ignores": policy.ignores,
    }


def watch_json(watch: Watch) -> dict[str, Any]:
    """A watch as the API shows it: never its credentials, only whether it has some."""
    return {
        "id": watch.id,
        "repository": watch.repository,
        "tags": watch.tag_pattern,
        "interval": watch.interval,
        "authenticated": watch.sealed_password is not None,
        "last_polled_at": iso(watch.last_polled_at),
        "last_error": watch.last_error,
    }


def _validate(body: Submit, ctx: Context) -> store.Submission:
    given = [k for k in ("image", "sbom", "report") if getattr(body, k) is not None]
    if len(given) != 1:
        raise HTTPException(422, "give exactly one of image, sbom or report")
    if body.image is not None:
        try:
            ref = check_reference(body.image, ctx.settings.allowed_registries)
        except RefusedReference as err:
            raise HTTPException(422, str(err)) from None
        return store.Submission("image", ref)
    if body.sbom is not None:
        if body.sbom.get("bomFormat") != "CycloneDX" and "spdxVersion" not in body.sbom:
            raise HTTPException(422, "sbom: neither CycloneDX nor SPDX JSON")
        component = store.obj(store.obj(body.sbom.get("metadata")).get("component"))
        name = body.reference or str(component.get("name") or body.sbom.get("name") or "sbom")
        return store.Submission("sbom", name, input_text=json.dumps(body.sbom))
    report = body.report or {}
    tool = report.get("tool")
    if report.get("schema") != 1 or not isinstance(tool, dict) or tool.get("name") != "hullcheck":
        raise HTTPException(422, "report: not a hullcheck JSON report (schema 1)")
    if not isinstance(report.get("findings"), list):
        raise HTTPException(422, "report: findings must be a list")
    target = store.obj(report.get("target"))
    name = body.reference or str(target.get("reference") or "report")
    return store.Submission("report", name, report=report)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def limited(request: Request) -> None:
    """429 past the rate limit of the caller's token (or address, without one)."""
    ctx = context(request)
    key = bearer(request) or (request.client.host if request.client else "?")
    wait = ctx.limiter.allow(tokens.hash_token(key))
    if wait:
        raise HTTPException(429, "too many requests", {"Retry-After": f"{max(1, round(wait))}"})


def reader(request: Request, _: Annotated[None, Depends(limited)]) -> Caller:
    return context(request).auth.require(request, "read")


def writer(request: Request, _: Annotated[None, Depends(limited)]) -> Caller:
    return context(request).auth.require(request, "write")


def admin(request: Request, _: Annotated[None, Depends(limited)]) -> Caller:
    return context(request).auth.require(request, "admin")


Read = Annotated[Caller, Depends(reader)]
Write = Annotated[Caller, Depends(writer)]
Admin = Annotated[Caller, Depends(admin)]


def router(ctx: Context) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    _scan_routes(api, ctx)
    _image_routes(api, ctx)
    _watch_routes(api, ctx)
    _policy_routes(api, ctx)
    _webhook_routes(api, ctx)
    _token_routes(api, ctx)
    return api


def _scan_routes(api: APIRouter, ctx: Context) -> None:
    """Submitting scans and reading their state and reports."""

    @api.post("/scans", status_code=202)
    def submit(
        body: Submit,
        who: Write,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Submit an image reference, an SBOM or a finished report."""
        sub = _validate(body, ctx)
        sub = store.Submission(
            sub.kind, sub.reference, sub.input_text, sub.report, idempotency_key, who.token_id
        )
        with ctx.sessions() as session:
            scan, new = store.submit(session, sub)
            session.commit()
            out = scan_json(scan)
        if new:
            ctx.metrics.submissions.labels(sub.kind).inc()
            ctx.workers.wake()
            if out["status"] == "done":
                with ctx.sessions() as session:
                    if alerts.queue_for_scan(session, scan.id):
                        ctx.deliverer.wake()
        response.status_code = 201 if out["status"] == "done" else 202
        return out

    @api.get("/scans/{uid}")
    def get_scan(uid: str, _: Read) -> dict[str, Any]:
        with ctx.sessions() as session:
            scan = store.scan_by_uid(session, uid)
            if scan is None:
                raise HTTPException(404, "no such scan")
            image = session.get(Image, scan.image_id) if scan.image_id else None
            return scan_json(scan, image)

    @api.get("/scans/{uid}/report")
    def get_report(uid: str, _: Read) -> dict[str, Any]:
        with ctx.sessions() as session:
            scan = store.scan_by_uid(session, uid)
            if scan is None:
                raise HTTPException(404, "no such scan")
            if scan.report is None:
                raise HTTPException(409, f"the scan is {scan.status}; no report yet")
            return scan.report


def _image_routes(api: APIRouter, ctx: Context) -> None:
    """The images seen, their scan history, and what changed between two scans."""

    @api.get("/images")
    def list_images(_: Read) -> list[dict[str, Any]]:
        with ctx.sessions() as session:
            return [
                {"id": image.id, "repository": image.repository, "latest": scan_json(scan, image)}
                for image, scan in store.latest_scans(session)
            ]

    @api.get("/images/{image_id}/scans")
    def image_history(image_id: int, _: Read) -> list[dict[str, Any]]:
        with ctx.sessions() as session:
            image = session.get(Image, image_id)
            if image is None:
                raise HTTPException(404, "no such image")
            return [scan_json(s, image) for s in store.image_scans(session, image_id)]

    @api.get("/compare")
    def compare(old: str, new: str, _: Read) -> dict[str, Any]:
        """Findings new in ``new`` and resolved since ``old`` (matched by fingerprint)."""
        with ctx.sessions() as session:
            a, b = store.scan_by_uid(session, old), store.scan_by_uid(session, new)
            if a is None or b is None:
                raise HTTPException(404, "no such scan")
            return {"old": old, "new": new, **store.compare(session, a, b)}


def _watch_routes(api: APIRouter, ctx: Context) -> None:
    """Watched repositories and what the watches saw."""

    @api.post("/watches", status_code=201)
    def new_watch(body: NewWatch, _: Write) -> dict[str, Any]:
        """Poll a repository's tags and scan every new digest."""
        repository = body.repository.strip().removeprefix("registry:")
        try:
            check_reference(f"{repository}:latest", ctx.settings.allowed_registries)
        except RefusedReference as err:
            raise HTTPException(422, str(err)) from None
        sealed = None
        if body.password is not None:
            try:
                sealed = vault.seal(body.password)
            except vault.VaultError as err:
                raise HTTPException(409, str(err)) from None
        watch = Watch(
            repository=repository,
            tag_pattern=body.tags,
            interval=body.interval,
            username=body.username,
            sealed_password=sealed,
            insecure=0,
        )
        return watch_json(add_unique(ctx, watch, "that repository is already watched"))

    @api.get("/watches")
    def list_watches(_: Read) -> list[dict[str, Any]]:
        with ctx.sessions() as session:
            return [watch_json(w) for w in session.scalars(select(Watch).order_by(Watch.id))]

    @api.delete("/watches/{watch_id}", status_code=204)
    def delete_watch(watch_id: int, _: Write) -> Response:
        return delete_row(ctx, Watch, watch_id, "watch")

    @api.get("/events")
    def list_events(_: Read, limit: int = 100) -> list[dict[str, Any]]:
        """What the watches saw, newest first: new tags, and tags that moved."""
        with ctx.sessions() as session:
            rows = session.scalars(select(Event).order_by(Event.id.desc()).limit(min(limit, 1000)))
            return [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "repository": e.repository,
                    "at": iso(e.created_at),
                    **e.detail,
                }
                for e in rows
            ]


def _policy_routes(api: APIRouter, ctx: Context) -> None:
    """Policies for the scans of matching repositories, and re-matching after a database update."""

    @api.post("/policies", status_code=201)
    def new_policy(body: NewPolicy, _: Admin) -> dict[str, Any]:
        """A policy for the scans of the matching repositories, checked before it is kept."""
        problem = validate_policy(body.config, body.ignores)
        if problem is not None:
            raise HTTPException(422, f"the policy is not valid: {problem}")
        row = Policy(
            name=body.name,
            repositories=body.repositories,
            config=body.config,
            ignores=body.ignores,
        )
        return policy_json(add_unique(ctx, row, "a policy of that name exists"))

    @api.get("/policies")
    def list_policies(_: Read) -> list[dict[str, Any]]:
        with ctx.sessions() as session:
            return [policy_json(p) for p in session.scalars(select(Policy).order_by(Policy.id))]

    @api.delete("/policies/{policy_id}", status_code=204)
    def delete_policy(policy_id: int, _: Admin) -> Response:
        return delete_row(ctx, Policy, policy_id, "policy")

    @api.post("/rematch", status_code=202)
    def rematch(_: Admin) -> dict[str, int]:
        """Match every image's stored packages again (as when the database changes)."""
        with ctx.sessions() as session:
            queued = queue_rematches(session)
        ctx.workers.wake()
        return {"queued": queued}


def _webhook_routes(api: APIRouter, ctx: Context) -> None:
    """Webhooks that receive alerts."""

    @api.get("/webhooks")
    def list_webhooks(_: Admin) -> list[dict[str, Any]]:
        with ctx.sessions() as session:
            return [
                {"id": h.id, "url": h.url, "min_severity": h.min_severity}
                for h in session.scalars(select(Webhook).order_by(Webhook.id))
            ]

    @api.post("/webhooks", status_code=201)
    def new_webhook(body: NewWebhook, _: Admin) -> dict[str, Any]:
        """A webhook; its signing secret is shown in this answer only."""
        secret = body.secret or secrets.token_urlsafe(32)
        with ctx.sessions() as session:
            hook = Webhook(url=body.url, secret=secret, min_severity=body.min_severity)
            session.add(hook)
            session.commit()
            return {
                "id": hook.id,
                "url": hook.url,
                "min_severity": hook.min_severity,
                "secret": secret,
            }

    @api.delete("/webhooks/{hook_id}", status_code=204)
    def delete_webhook(hook_id: int, _: Admin) -> Response:
        return delete_row(ctx, Webhook, hook_id, "webhook")


def _token_routes(api: APIRouter, ctx: Context) -> None:
    """API tokens."""

    @api.get("/tokens")
    def list_tokens(_: Admin) -> list[dict[str, Any]]:
        with ctx.sessions() as session:
            return [
                {
                    "id": t.id,
                    "name": t.name,
                    "scope": t.scope,
                    "created_at": iso(t.created_at),
                    "revoked": t.revoked_at is not None,
                }
                for t in session.scalars(select(Token).order_by(Token.id))
            ]

    @api.post("/tokens", status_code=201)
    def new_token(body: NewToken, _: Admin) -> dict[str, Any]:
        """A new token; its value is shown in this answer only."""
        with ctx.sessions() as session:
            row, value = tokens.create_token(session, body.name, body.scope)
            session.commit()
            return {"id": row.id, "name": row.name, "scope": row.scope, "token": value}

    @api.delete("/tokens/{token_id}", status_code=204)
    def revoke_token(token_id: int, _: Admin) -> Response:
        with ctx.sessions() as session:
            if not tokens.revoke(session, token_id):
                raise HTTPException(404, "no such live token")
            session.commit()
        return Response(status_code=204)
