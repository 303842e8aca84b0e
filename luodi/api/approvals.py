"""The approval queue of copilot mode over HTTP: `GET /v1/approvals`, `POST /v1/approvals/{id}/approve|reject`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.api.schemas import ApprovalList, ApprovalOut, Decision
from luodi.gateway.tenants import OPERATOR
from luodi.governance.approvals import Approval

router = APIRouter()

DECIDING = "the approval queue"  # needs an operator key: `luodi key create TENANT --operator`


@router.get("/v1/approvals", response_model=ApprovalList)
def list_approvals(
    who: CallerDep,
    platform: PlatformDep,
    status: Literal["pending", "executed", "rejected", "failed", "all"] = "pending",
) -> ApprovalList:
    require(who, OPERATOR, DECIDING)
    found = platform.list_approvals(who.tenant_id, None if status == "all" else status)
    return ApprovalList(data=[_approval_out(a) for a in found])


@router.post("/v1/approvals/{approval_id}/{verdict}", response_model=ApprovalOut)
def decide(
    approval_id: str, verdict: Literal["approve", "reject"], body: Decision, who: CallerDep, platform: PlatformDep
) -> ApprovalOut:
    require(who, OPERATOR, DECIDING)
    decided = platform.decide(approval_id, verdict == "approve", body.operator, body.note, who.tenant_id)
    return _approval_out(decided)


def _approval_out(approval: Approval) -> ApprovalOut:
    return ApprovalOut.model_validate(approval, from_attributes=True)
