"""The dashboard: server-rendered pages (Jinja2, no build step, no script needed).

An overview of every image, one page per image, and what changed in the last day.  It
reads the same store as the API, so its numbers are the API's numbers.  Pages need a
read token, given once on the login form and kept in an HttpOnly, SameSite=Strict
cookie; every form that changes something carries a CSRF token.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hullcheck.server import store
from hullcheck.server.api import Context
from hullcheck.server.db import Image, Scan
from hullcheck.server.guard import COOKIE, Caller, check_csrf, csrf_token
from hullcheck.server.store import obj

_TEMPLATES = Environment(
    loader=FileSystemLoader(str(resources.files("hullcheck.server") / "templates")),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _short(digest: str | None) -> str:
    return (digest or "").removeprefix("sha256:")[:12]


_TEMPLATES.filters["short"] = _short


def _summary(scan: Scan) -> dict[str, Any]:
    report = obj(scan.report)
    summary = obj(report.get("summary"))
    target = obj(report.get("target"))
    base = obj(summary.get("base_os"))
    config = obj(target.get("config"))
    return {
        "base": base.get("pretty_name") or base.get("id") or "",
        "eol": base.get("eol") or "",
        "created": target.get("created") or "",
        "user": config.get("user") or "root",
        "signature": _signature_state(obj(summary.get("provenance"))),
    }


def _signature_state(provenance: dict[str, Any]) -> str:
    """What the scan's provenance check said of the image's signatures."""
    if "signatures" not in provenance:
        return "not checked"  # no provenance policy asked for it
    if provenance.get("signed"):
        return "signed"
    return "bad signature" if provenance["signatures"] else "unsigned"


def _chart(points: list[tuple[str, int]]) -> str:
    """An inline SVG line of finding counts over scans (oldest first)."""
    if not points:
        return ""
    width, height, pad = 480, 120, 20
    top = max(n for _, n in points) or 1
    step = (width - 2 * pad) / max(1, len(points) - 1)
    xy = [
        (pad + i * step, height - pad - (n / top) * (height - 2 * pad))
        for i, (_, n) in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{n} findings</title></circle>'
        for (x, y), (_, n) in zip(xy, points, strict=True)
    )
    return (
        f'<svg role="img" aria-label="findings per scan" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="#b03a2e" '
        f'stroke-width="2" points="{line}"/>{dots}</svg>'
    )


def router(ctx: Context) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    _session_routes(pages, ctx)
    _overview_routes(pages, ctx)
    _image_routes(pages, ctx)
    return pages


def _viewer(ctx: Context, request: Request) -> Caller | None:
    """Who is looking (token cookie), or ``None``: the page sends them to the login form."""
    try:
        return ctx.auth.require(request, "read", cookie=True)
    except HTTPException:
        return None


def _render(ctx: Context, name: str, who: Caller, **values: Any) -> HTMLResponse:
    html = _TEMPLATES.get_template(name).render(
        caller=who, csrf=csrf_token(ctx.secret, who), **values
    )
    return HTMLResponse(html, headers=_SECURITY_HEADERS)


def _to_login() -> Response:
    return RedirectResponse("/login", status_code=303)


def _session_routes(pages: APIRouter, ctx: Context) -> None:
    """Logging in with a token (kept in an HTTP-only cookie) and out."""

    @pages.get("/login")
    def login_form(error: str | None = None) -> HTMLResponse:
        html = _TEMPLATES.get_template("login.html").render(error=error, caller=None)
        return HTMLResponse(html, headers=_SECURITY_HEADERS)

    @pages.post("/login")
    def login(request: Request, token: Annotated[str, Form(max_length=200)]) -> Response:
        if ctx.auth.caller(token) is None:
            return RedirectResponse("/login?error=unknown+or+revoked+token", status_code=303)
        answer = RedirectResponse("/", status_code=303)
        answer.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
        return answer

    @pages.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
        who = _viewer(ctx, request)
        if who is None:
            return _to_login()
        check_csrf(ctx.secret, who, csrf)
        answer = _to_login()
        answer.delete_cookie(COOKIE)
        return answer


def _overview_routes(pages: APIRouter, ctx: Context) -> None:
    """The list of images and the changes of the last hours."""

    @pages.get("/")
    def overview(request: Request, q: str = "", severity: str = "") -> Response:
        who = _viewer(ctx, request)
        if who is None:
            return _to_login()
        with ctx.sessions() as session:
            rows = _overview_rows(session, q, severity)
        return _render(
            ctx,
            "overview.html",
            who,
            rows=rows,
            q=q,
            severity=severity,
            severities=store.SEVERITIES,
        )

    @pages.get("/changes")
    def changes(request: Request, hours: int = 24) -> Response:
        who = _viewer(ctx, request)
        if who is None:
            return _to_login()
        since = store.now() - timedelta(hours=max(1, min(hours, 24 * 30)))
        with ctx.sessions() as session:
            entries = _changes_since(session, since)
        return _render(ctx, "changes.html", who, entries=entries, hours=hours)


def _image_routes(pages: APIRouter, ctx: Context) -> None:
    """One image: its latest finished scan, grouped findings and trend."""

    @pages.get("/images/{image_id}")
    def image_page(request: Request, image_id: int) -> Response:
        who = _viewer(ctx, request)
        if who is None:
            return _to_login()
        with ctx.sessions() as session:
            return _render(ctx, "image.html", who, **_image_values(session, image_id))


def _image_values(session: Session, image_id: int) -> dict[str, Any]:
    """What the image page shows; 404 when the image or a finished scan of it is missing."""
    image = session.get(Image, image_id)
    if image is None:
        raise HTTPException(404, "no such image")
    scans = store.image_scans(session, image_id)
    done = [s for s in scans if s.status == "done"]
    if not done:
        raise HTTPException(404, "no finished scan of this image")
    latest = done[0]
    report = latest.report or {}
    grouped, vulns = _group_findings(report)
    return {
        "image": image,
        "scan": latest,
        "scans": scans,
        "grouped": sorted(grouped.items()),
        "vulns": vulns,
        "target": obj(report.get("target")),
        "chart": _chart([(s.uid, sum((s.counts or {}).values())) for s in reversed(done)]),
        **_summary(latest),
    }


def _trend(before: int | None, now_total: int) -> str:
    if before is None:
        return ""
    return "up" if now_total > before else "down" if now_total < before else "same"


def _overview_rows(session: Session, q: str, severity: str) -> list[dict[str, Any]]:
    """Each image's latest scan, filtered by repository text and worst severity, with the
    trend of its finding count since the scan before."""
    rows = []
    for image, scan in store.latest_scans(session):
        if q and q.lower() not in image.repository.lower():
            continue
        if severity and scan.worst != severity:
            continue
        history = store.image_scans(session, image.id, limit=2)
        before = sum((history[1].counts or {}).values()) if len(history) > 1 else None
        now_total = sum((scan.counts or {}).values())
        rows.append(
            {
                "image": image,
                "scan": scan,
                "total": now_total,
                "trend": _trend(before, now_total),
                **_summary(scan),
            }
        )
    return rows


def _group_findings(
    report: dict[str, Any],
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """A report's findings by practice, vulnerabilities apart; worst first in each group."""
    findings = [f for f in report.get("findings", []) if isinstance(f, dict)]
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    vulns = []
    for f in findings:
        if f.get("practice") == "vulnerabilities" and f.get("package"):
            vulns.append(f)
        else:
            grouped[str(f.get("practice", ""))].append(f)
    rank = {level: n for n, level in enumerate(store.SEVERITIES)}
    for items in (*grouped.values(), vulns):
        items.sort(key=lambda f: rank.get(str(f.get("severity")), len(rank)))
    return grouped, vulns


def _changes_since(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Every scan finished since ``since``, with what changed from the image's scan before."""
    entries = []
    recent = session.scalars(
        select(Scan)
        .where(Scan.status == "done", Scan.finished_at >= since, Scan.image_id.is_not(None))
        .order_by(Scan.id.desc())
    )
    for scan in recent:
        image = session.get(Image, scan.image_id)
        older = session.scalar(
            select(Scan)
            .where(Scan.image_id == scan.image_id, Scan.status == "done", Scan.id < scan.id)
            .order_by(Scan.id.desc())
            .limit(1)
        )
        diff = store.compare(session, older, scan) if older else None
        entries.append({"image": image, "scan": scan, "older": older, "diff": diff})
    return entries


_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
