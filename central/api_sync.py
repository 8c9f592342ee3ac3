"""Enrollment and the sync API, used by the desks.

Push answers every record on its own; a resent batch is harmless because the store inserts
by UUID under a unique constraint. Bodies may be gzip-compressed (``Content-Encoding:
gzip``); they are size-limited before and after decompression. A version 1 body (today's
desks) gets the full answer (``wire.PushResponse``), a version 2 body the compact one
(``wire.PushAnswer``); either is gzip-compressed when the desk accepts it and it is worth
it. Kinds the storage does not hold yet are answered per record (``central.sync_push``).
"""

from __future__ import annotations

import gzip
import zlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError

from central import sync_push
from central.deps import ApiError, current_device, get_store
from central.store import DeviceInfo, EnrollError
from posko import wire
from posko.bundle import public_key_text

router = APIRouter(prefix="/api/v1", tags=["sync"])

# Why an enrollment was refused: the HTTP status, the stable code desks act on, the text.
ENROLL_ERRORS: dict[str, tuple[int, str, str]] = {
    EnrollError.UNKNOWN: (
        400,
        "code_unknown",
        "this enrollment code is not known; check it with the coordinator",
    ),
    EnrollError.USED: (409, "code_used", "this enrollment code has already been used"),
    EnrollError.EXPIRED: (
        409,
        "code_expired",
        "this enrollment code has expired; ask the coordinator for a new one",
    ),
    EnrollError.BAD_PROOF: (400, "bad_proof", "the proof does not match the public key"),
    EnrollError.BAD_PREFIX: (
        400,
        "bad_prefix",
        "the provisional prefix does not belong to this public key",
    ),
    EnrollError.OTHER_POST: (
        409,
        "device_other_post",
        "this desk is enrolled at another post; a coordinator moves it by revoking and "
        "reinstating it first",
    ),
    EnrollError.REVOKED: (
        403,
        "device_revoked",
        "this desk was revoked; a coordinator must reinstate it before it can enroll again",
    ),
}


@router.post(
    "/enroll",
    response_model=wire.EnrollResponse,
    response_model_exclude_none=True,
    status_code=201,
)
def enroll(
    body: wire.EnrollRequest,
    request: Request,
    bundle_key: Annotated[bool, Query()] = False,
) -> wire.EnrollResponse:
    """Exchange a coordinator's single-use code for a device ID, a tracking-ID prefix and a
    device token. The desk proves it holds the private key of ``public_key`` (``proof``:
    the Ed25519 signature of ``posko-enroll/1``, the code without dashes in capitals, the
    key and the provisional prefix, joined by line feeds). A key already enrolled gets its
    own device back with a new token; ``next_sequence`` says where its tracking numbers
    stand. The token is shown only in this answer; the server keeps its hash. With
    ``bundle_key=1`` the answer also carries the key the desk seals its USB bundles to (a
    desk from before it would refuse the field, so only a desk that asks gets it)."""
    try:
        granted = get_store(request).enroll(
            body.code,
            body.label,
            public_key=body.public_key,
            proof=body.proof,
            provisional_prefix=body.provisional_prefix,
        )
    except EnrollError as exc:
        status, code, message = ENROLL_ERRORS[exc.reason]
        raise ApiError(status, code, message) from None
    central_key = request.app.state.bundle_key
    if bundle_key and central_key is not None:
        granted = granted.model_copy(update={"bundle_key": public_key_text(central_key)})
    return granted


def _inflate(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise ApiError(400, "bad_gzip", "the body is not valid gzip") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise ApiError(413, "too_large", "request body too large once decompressed")
    if not inflater.eof:
        raise ApiError(400, "bad_gzip", "the gzip body is cut off")
    if inflater.unused_data:
        # A second gzip member or bytes after the first: one body, one batch, nothing else.
        raise ApiError(400, "bad_gzip", "the body holds more than one gzip member")
    return out


# Answers smaller than this go as they are: gzip would not pay for its header.
GZIP_MIN_BYTES = 512


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def _json_answer(request: Request, model: Any) -> Response:
    body = model.model_dump_json(exclude_none=False).encode("utf-8")
    headers = {"vary": "Accept-Encoding"}
    if len(body) >= GZIP_MIN_BYTES and _accepts_gzip(request):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["content-encoding"] = "gzip"
    return Response(content=body, media_type="application/json", headers=headers)


@router.post(
    "/sync/push",
    response_model=wire.PushResponse | wire.PushAnswer,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": wire.PushRequest.model_json_schema()}},
        }
    },
)
async def push(
    request: Request, device: Annotated[DeviceInfo, Depends(current_device)]
) -> Response:
    """A batch of up to 500 records, oldest first; one result per record, in order:
    accepted, duplicate (same UUID, same content), conflict (same UUID, other content),
    rejected (with the reason; it will never be accepted as it is) or, protocol 2 only,
    deferred (valid, but not stored here yet: keep it and send it again later). A
    ``protocol: 1`` body is answered with ``PushResponse``, a ``protocol: 2`` body with the
    compact ``PushAnswer``; gzip-compressed when the request says ``Accept-Encoding: gzip``."""
    data = await request.body()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        data = _inflate(data, wire.MAX_BODY_BYTES)
    elif encoding not in ("", "identity"):
        raise ApiError(415, "bad_encoding", "only gzip or no content encoding is accepted")
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "bad_content_type", "the body must be application/json")
    try:
        batch = wire.PushRequest.model_validate_json(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
        raise ApiError(400, "invalid_batch", "; ".join(problems)) from None
    store = get_store(request)
    # The store's work is blocking: off the event loop, in FastAPI's thread pool.
    from starlette.concurrency import run_in_threadpool

    results = await run_in_threadpool(
        sync_push.push,
        store,
        device,
        batch.records,
        batch.device_app_version,
        protocol=batch.protocol,
    )
    if batch.protocol == 1:
        return _json_answer(request, wire.PushResponse(results=results))
    uuids = [r.get("uuid") if isinstance(r, dict) else None for r in batch.records]
    return _json_answer(
        request,
        wire.PushAnswer.of([u if isinstance(u, str) else None for u in uuids], results),
    )


@router.get("/sync/pull", response_model=wire.PullResponse)
def pull(
    request: Request,
    device: Annotated[DeviceInfo, Depends(current_device)],
    # At most 18 digits: any larger number overflows a 64-bit database integer.
    cursor: Annotated[str, Query(max_length=18, pattern=r"^\d*$")] = "0",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> wire.PullResponse:
    """Status changes of this device's reports after ``cursor`` (the last answer's cursor;
    ``0`` or empty from the start). ``more`` says whether to ask again at once."""
    return get_store(request).pull(device, int(cursor or "0"), limit)


@router.get("/sync/whoami")
def whoami(device: Annotated[DeviceInfo, Depends(current_device)]) -> dict[str, str]:
    """The desk's probe that its token still works and the server really answers."""
    return {
        "device_id": str(device.id),
        "tracking_prefix": device.tracking_prefix,
        "post_code": device.post_code,
    }


@router.get(
    "/sync/rules",
    response_model=wire.RulesResponse,
    responses={204: {"description": "The desk's rules (version ``have``) are current."}},
)
def rules(
    request: Request,
    _device: Annotated[DeviceInfo, Depends(current_device)],
    have: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> wire.RulesResponse | Response:
    """The routing rules (keywords and agencies) when they are newer than the desk's
    version ``have``; 204 when the desk is up to date."""
    current = request.app.state.rules
    if current.version <= have:
        return Response(status_code=204)
    return wire.RulesResponse(
        version=current.version, routing=current.routing, agencies=current.agencies
    )


@router.get("/sync/categories", response_model=wire.CategoriesResponse)
def categories(
    request: Request, _device: Annotated[DeviceInfo, Depends(current_device)]
) -> wire.CategoriesResponse:
    """Which groups of categories a new report may be filed under: every group of the
    catalog, on or off, as the coordinator switched them (``posko-central categories``).
    Saved reports keep their category whatever this says."""
    store = get_store(request)
    offered = store.offered_groups()
    return wire.CategoriesResponse(groups={code: code in offered for code in store.catalog.groups})


@router.get(
    "/sync/bundle-key",
    response_model=wire.BundleKeyResponse,
    responses={404: {"description": "This central system has no bundle key."}},
)
def central_bundle_key(
    request: Request, _device: Annotated[DeviceInfo, Depends(current_device)]
) -> wire.BundleKeyResponse:
    """The X25519 public key (raw 32 bytes, base64) the desk seals its USB bundles to."""
    central_key = request.app.state.bundle_key
    if central_key is None:
        raise ApiError(404, "no_bundle_key", "this central system has no bundle key")
    return wire.BundleKeyResponse(bundle_key=public_key_text(central_key))


@router.get("/sync/campaign", response_model=wire.CampaignResponse)
def campaign(
    request: Request, _device: Annotated[DeviceInfo, Depends(current_device)]
) -> wire.CampaignResponse:
    """The outreach campaign every desk counts towards (``posko-central campaign set``),
    or none: a desk then keeps the one set on it."""
    chosen = get_store(request).campaign()
    return wire.CampaignResponse(campaign=chosen.to_json() if chosen is not None else None)


__all__ = ["router"]
