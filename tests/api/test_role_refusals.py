"""One refusal for a key whose role is too low, whichever route refuses it: a 403 whose code names the key to use
(operator_key_required, admin_key_required, platform_key_required) and whose message names the role needed and
the key's own, through the real server."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import LiveServer

# (method, path, the role it needs, the role of the key that asks); each asker's role is just below the one needed
REFUSED = [
    ("GET", "/keys", "admin", "operator"),
    ("POST", "/keys", "admin", "member"),
    ("PATCH", "/tenant", "admin", "operator"),
    ("GET", "/tenants", "platform", "admin"),
    ("POST", "/tenants", "platform", "admin"),
    ("GET", "/usage", "admin", "operator"),
    ("GET", "/bill", "admin", "member"),
    ("GET", "/audit", "operator", "member"),
    ("GET", "/audit/verify", "operator", "member"),
    ("GET", "/webhooks", "admin", "operator"),
    ("POST", "/webhooks", "admin", "member"),
    ("GET", "/approvals", "operator", "member"),
    ("POST", "/approvals/A-00000000/approve", "operator", "member"),
]
BODIES = {  # valid bodies, so that only the role is wrong
    ("POST", "/keys"): {"name": "x"},
    ("PATCH", "/tenant"): {"shares_data_for_training": True},
    ("POST", "/tenants"): {"name": "never-made"},
    ("POST", "/webhooks"): {"url": "https://example.com/hook", "events": ["approval.filed"]},
    ("POST", "/approvals/A-00000000/approve"): {"operator": "me"},
}


@pytest.mark.parametrize(("method", "path", "needed", "held"), REFUSED)
def test_a_key_below_the_role_a_route_needs_is_refused_naming_both_roles(
    live: LiveServer, method: str, path: str, needed: str, held: str
) -> None:
    key = live.new_key(f"roles-{uuid.uuid4().hex[:8]}", role=held)
    response = httpx.request(method, f"{live.url}{path}", json=BODIES.get((method, path)),
                             headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == f"{needed}_key_required"
    assert f"needs a key of role {needed} or above; this key's role is {held}" in error["message"]
