"""A tenant builds, feeds and runs its own assistants through the API (issue 13), with the official openai SDK and
httpx against the real server, on SQLite and PostgreSQL: files and vector stores in OpenAI's shapes, ingestion in
the background, metadata read from the document or corrected by attributes, and isolation from other tenants."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import func, select, text

from luodi.config import shared_data_dir
from luodi.gateway.tenants import Tenant
from luodi.knowledge.store import documents, passages
from luodi.packs.filings.assistant import filings_config
from tests.conftest import LiveServer
from tests.knowledge.conftest import make_pdf

FILING = shared_data_dir() / "financebench" / "pdfs" / "3M_2018_10K.pdf"
COVER = ["UNITED STATES SECURITIES AND EXCHANGE COMMISSION", "FORM 10-Q",
         "For the quarterly period ended June 30, 2023", "ACME WIDGETS, INC.",
         "(Exact name of registrant as specified in its charter)"]
POLICY = b"# Travel policy\n\nEconomy class is booked for flights under six hours.\n"
FILINGS_SKILLS = list(filings_config().options["skills"])


def admin_of(live: LiveServer, tenant: str | None = None) -> tuple[openai.OpenAI, httpx.Client]:
    key = live.new_key(tenant, role="admin")
    return live.client(key), httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def wait_ingested(client: openai.OpenAI, vector_store_id: str, timeout: float = 180) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = client.vector_stores.files.list(vector_store_id=vector_store_id).data
        if files and all(f.status != "in_progress" for f in files):
            return files
        time.sleep(0.3)
    raise AssertionError(f"{vector_store_id} was still ingesting after {timeout} s")


def grounded(http: httpx.Client, name: str, vector_store_ids: list[str], **fields: Any) -> dict[str, Any]:
    response = http.post("/assistants", json={"name": name, "kind": "grounded", "base_model": "smollm2-135m",
                                              "knowledge_bases": vector_store_ids,
                                              "options": {"phrase_with_model": False, "skills": FILINGS_SKILLS},
                                              **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, server_factory: Callable[..., LiveServer]) -> LiveServer:
    if request.param == "sqlite":
        return server_factory()
    return server_factory(database_url=request.getfixturevalue("postgres_database")())


def test_on_postgresql_with_pgvector_the_database_searches_the_vectors(
        server_factory: Callable[..., LiveServer], pgvector_url: str) -> None:
    served = server_factory(database_url=pgvector_url)
    client, _ = admin_of(served)
    upload = client.files.create(file=("policy.md", POLICY), purpose="assistants")
    store = client.vector_stores.create(name="vectors", file_ids=[upload.id])
    wait_ingested(client, store.id)
    found = client.vector_stores.search(vector_store_id=store.id, query="which cabin for short trips").data
    assert found and found[0].filename == "policy.md"  # no word in common: the vectors found it
    with served.platform.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(passages).where(
            passages.c.kb_id == store.id, text("embedding IS NOT NULL"))) == 1
    served.stop()  # before the pgvector server of the session goes


def test_a_tenant_feeds_its_own_knowledge_base_and_reads_what_the_documents_say(served: LiveServer) -> None:
    client, http = admin_of(served)
    filing = client.files.create(file=("acme_q2.pdf", make_pdf([COVER, ["Acme sells widgets in 12 countries."]])),
                                 purpose="assistants")
    policy = client.files.create(file=("policy.md", POLICY), purpose="assistants")
    broken = client.files.create(file=("broken.pdf", b"%PDF-1.4 not really"), purpose="assistants")
    store = client.vector_stores.create(name="acme", file_ids=[filing.id, policy.id, broken.id])
    assert store.file_counts.total == 3
    by_id = {f.id: f for f in wait_ingested(client, store.id)}
    assert by_id[filing.id].status == "completed" and by_id[policy.id].status == "completed"
    assert by_id[broken.id].status == "failed"
    assert by_id[broken.id].last_error.code == "invalid_file" and "broken.pdf" in by_id[broken.id].last_error.message
    document = by_id[filing.id].model_extra["luodi"]["document"]  # read from the cover page, no catalogue
    assert (document["company"], document["period_year"], document["document_type"]) == \
        ("ACME WIDGETS, INC.", 2023, "10-Q")
    assert by_id[filing.id].model_extra["luodi"]["pages_done"] == 2
    assert client.vector_stores.retrieve(store.id).file_counts.completed == 2

    corrected = client.vector_stores.files.update(file_id=filing.id, vector_store_id=store.id,
                                                  attributes={"company": "Acme", "period_year": 2022})
    assert corrected.model_extra["luodi"]["document"]["company"] == "Acme"
    assert corrected.model_extra["luodi"]["document"]["period_year"] == 2022

    found = client.vector_stores.search(vector_store_id=store.id, query="flights under six hours").data
    assert found[0].filename == "policy.md" and found[0].file_id == policy.id

    client.vector_stores.files.delete(file_id=policy.id, vector_store_id=store.id)
    assert all(r.filename != "policy.md" for r in client.vector_stores.search(
        vector_store_id=store.id, query="flights under six hours").data)
    assert http.get(f"/vector_stores/{store.id}/files/{filing.id}").json()["status"] == "completed"


def test_another_tenant_sees_nothing_of_it(served: LiveServer) -> None:
    client, http = admin_of(served)
    upload = client.files.create(file=("policy.md", POLICY), purpose="assistants")
    store = client.vector_stores.create(name="private", file_ids=[upload.id])
    wait_ingested(client, store.id)
    grounded(http, "private-docs", [store.id])
    assert "private-docs" in {m.id for m in client.models.list().data}

    other, other_http = admin_of(served)
    assert "private-docs" not in {m.id for m in other.models.list().data}
    for call in (lambda: other.files.retrieve(upload.id), lambda: other.vector_stores.retrieve(store.id),
                 lambda: other.vector_stores.files.list(vector_store_id=store.id),
                 lambda: other.vector_stores.search(vector_store_id=store.id, query="economy"),
                 lambda: other.chat.completions.create(model="private-docs",
                                                       messages=[{"role": "user", "content": "hi"}])):
        with pytest.raises(openai.NotFoundError):
            call()
    assert other_http.get("/assistants/private-docs").status_code == 404
    assert other_http.delete(f"/files/{upload.id}").status_code == 404
    # nor may it build on the first tenant's knowledge
    refused = other_http.post("/assistants", json={"name": "thief", "kind": "grounded", "base_model": "smollm2-135m",
                                                   "knowledge_bases": [store.id]})
    assert refused.status_code == 400 and store.id in refused.json()["error"]["message"]
    # the same name is free in another tenant
    other_store = other.vector_stores.create(name="own")
    assert grounded(other_http, "private-docs", [other_store.id])["knowledge_bases"] == [other_store.id]


def test_a_member_key_calls_but_does_not_build(served: LiveServer) -> None:
    tenant = "members-" + str(time.monotonic_ns())
    _, http = admin_of(served, tenant)
    assert http.post("/assistants", json={"name": "helper", "base_model": "smollm2-135m",
                                          "system_prompt": "Answer in one word."}).status_code == 200
    member = served.client(served.new_key(tenant, role="member"))
    reply = member.chat.completions.create(model="helper", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    assert reply.model == "helper" and reply.choices[0].message.content
    with pytest.raises(openai.PermissionDeniedError, match="admin"):
        member.files.create(file=("policy.md", POLICY), purpose="assistants")
    member_http = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {member.api_key}"})
    assert member_http.delete("/assistants/helper").status_code == 403


def test_definitions_are_checked_and_name_what_is_wrong(served: LiveServer) -> None:
    _, http = admin_of(served)

    def refused(body: dict[str, Any]) -> dict[str, Any]:
        response = http.post("/assistants", json={"base_model": "smollm2-135m", **body})
        assert response.status_code == 400, response.text
        return dict(response.json()["error"])

    assert refused({"name": "general"})["param"] == "name"  # the catalogue's
    assert refused({"name": "x", "base_model": "gpt-9"})["param"] == "base_model"
    assert refused({"name": "x", "kind": "funds"})["param"] == "kind"
    assert refused({"name": "x", "base_model_share": 0.01})["param"] == "base_model_share"
    assert "knowledge_dir" in refused({"name": "x", "kind": "grounded", "knowledge_bases": ["vs_1"],
                                       "options": {"knowledge_dir": "/etc"}})["message"]
    assert "pack" in refused({"name": "x", "kind": "scenario", "options": {"scenario": "/etc/passwd.yaml"}})["message"]
    assert "skils" in refused({"name": "x", "kind": "chat", "options": {"skils": []}})["message"]
    assert refused({"name": "x", "kind": "grounded"})["param"] == "knowledge_bases"
    assert http.post("/assistants", json={"name": "x", "base_model": "smollm2-135m", "colour": "red"}
                     ).status_code == 400
    assert http.get("/assistants/x").status_code == 404


def test_an_edit_is_served_from_the_next_call_and_a_delete_at_once(served: LiveServer) -> None:
    client, http = admin_of(served)
    http.post("/assistants", json={"name": "tone", "base_model": "smollm2-135m", "description": "first"})
    assert client.models.retrieve("tone").description == "first"
    patched = http.patch("/assistants/tone", json={"description": "second", "max_tokens": 8}).json()
    assert patched["revision"] == 2 and patched["max_tokens"] == 8
    assert client.models.retrieve("tone").description == "second"
    assert http.delete("/assistants/tone").status_code == 200
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="tone", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.skipif(not FILING.exists(), reason="FinanceBench filings not present")
def test_an_uploaded_filing_answers_with_a_computed_cited_number(served: LiveServer, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    source, excerpt = pdfium.PdfDocument(str(FILING)), pdfium.PdfDocument.new()
    excerpt.import_pages(source, [0, 55, 57, 59])  # cover, income statement, balance sheet, cash flows
    excerpt.save(str(tmp_path / "3M_2018_10K.pdf"))
    client, http = admin_of(served)
    filing = client.files.create(file=(tmp_path / "3M_2018_10K.pdf").open("rb"), purpose="assistants")
    other = client.files.create(file=("acme_q2.pdf", make_pdf([COVER, ["Acme sells widgets in 12 countries."]])),
                                purpose="assistants")
    policy = client.files.create(file=("policy.md", POLICY), purpose="assistants")
    store = client.vector_stores.create(name="filings", file_ids=[filing.id, other.id, policy.id])
    files = {f.id: f for f in wait_ingested(client, store.id)}
    assert {f.status for f in files.values()} == {"completed"}
    # no attribute and no catalogue: the company is what the cover page prints
    assert files[filing.id].model_extra["luodi"]["document"]["company"] == "3M COMPANY"
    grounded(http, "my-filings", [store.id])
    question = "What is the FY2018 capital expenditure amount (in USD millions) for 3M?"
    reply = client.chat.completions.create(model="my-filings", messages=[{"role": "user", "content": question}])
    assert reply.choices[0].message.content.startswith("USD 1,577.00 million")
    citations = reply.model_extra["citations"]
    assert citations and "(1,577)" in citations[0]["quote"]


def test_two_replicas_on_one_database_see_new_assistants_and_documents(
        server_factory: Callable[..., LiveServer], postgres_database: Callable[[], str]) -> None:
    url = postgres_database()
    first, second = server_factory(database_url=url), server_factory(database_url=url)
    key = first.new_key(role="admin")
    one, two = first.client(key), second.client(key)
    store = one.vector_stores.create(name="shared")
    two_http = httpx.Client(base_url=second.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    grounded(two_http, "across", [store.id])  # defined through the second replica
    assert "across" in {m.id for m in one.models.list().data}
    before = one.vector_stores.search(vector_store_id=store.id, query="flights under six hours").data
    assert before == []
    question = [{"role": "user", "content": "Which class is booked for flights under six hours?"}]
    unread = one.chat.completions.create(model="across", messages=question)  # built on the first replica
    assert not unread.model_extra["citations"]
    upload = two.files.create(file=("policy.md", POLICY), purpose="assistants")
    two.vector_stores.files.create(vector_store_id=store.id, file_id=upload.id)
    wait_ingested(one, store.id)
    found = one.vector_stores.search(vector_store_id=store.id, query="flights under six hours").data
    assert found and found[0].filename == "policy.md"
    read = one.chat.completions.create(model="across", messages=question)  # the same built assistant, now knowing
    assert "Economy class" in read.model_extra["citations"][0]["quote"]
    with first.platform.store.transaction() as session:  # ingested once, by one of the two workers
        assert session.scalar(select(func.count()).select_from(passages).where(passages.c.kb_id == store.id)) == 1


def test_a_vector_store_deleted_with_its_files_takes_its_knowledge_along(served: LiveServer) -> None:
    client, http = admin_of(served)
    upload = client.files.create(file=("policy.md", POLICY), purpose="assistants")
    store = client.vector_stores.create(name="short-lived", file_ids=[upload.id])
    wait_ingested(client, store.id)
    grounded(http, "uses-it", [store.id])
    assert http.delete(f"/vector_stores/{store.id}").status_code == 409  # an assistant answers from it
    http.delete("/assistants/uses-it")
    assert client.vector_stores.delete(store.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve(store.id)
    with served.platform.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(passages).where(passages.c.kb_id == store.id)) == 0
    assert client.files.retrieve(upload.id).filename == "policy.md"  # the upload itself stays


def test_a_key_limited_to_the_tenants_own_assistant_may_call_only_that_one(served: LiveServer) -> None:
    client, http = admin_of(served)
    assert http.post("/assistants", json={"name": "only-this", "base_model": "smollm2-135m"}).status_code == 200
    made = http.post("/keys", json={"role": "member", "allowed_assistants": ["only-this"]})
    assert made.status_code == 200, made.text
    limited = served.client(made.json()["secret"])
    assert limited.chat.completions.create(model="only-this", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=2).model == "only-this"
    with pytest.raises(openai.PermissionDeniedError, match="only-this"):
        limited.chat.completions.create(model="general", messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
    assert {m.id for m in limited.models.list().data} == {"only-this"}
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    expiring = served.client(http.post("/keys", json={"expires_at": soon}).json()["secret"])
    assert expiring.models.list().data
    time.sleep(2.5)
    with pytest.raises(openai.AuthenticationError, match="expired"):
        expiring.models.list()


def test_a_member_key_reads_none_of_the_tenants_documents(served: LiveServer) -> None:
    tenant = "readers-" + str(time.monotonic_ns())
    client, _ = admin_of(served, tenant)
    upload = client.files.create(file=("secret.md", b"# Merger\n\nThe merger with Globex closes in May.\n"),
                                 purpose="assistants")
    store = client.vector_stores.create(name="board", file_ids=[upload.id])
    wait_ingested(client, store.id)
    member = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.new_key(tenant)}"})
    for method, path, body in (("GET", f"/files/{upload.id}/content", None), ("GET", "/files", None),
                               ("GET", f"/vector_stores/{store.id}/files", None),
                               ("POST", f"/vector_stores/{store.id}/search", {"query": "merger"})):
        refused = member.request(method, path, json=body)
        assert refused.status_code == 403 and "operator" in refused.json()["error"]["message"], path
    operator = served.client(served.new_key(tenant, role="operator"))
    assert operator.vector_stores.search(vector_store_id=store.id, query="merger").data


def test_a_tenant_sets_no_server_paths_database_urls_or_model_files(served: LiveServer) -> None:
    _, http = admin_of(served)
    for options in ({"scenario": "funds", "database": "sqlite:////tmp/elsewhere.db"},
                    {"scenario": "funds", "understander": "trained", "model": "/etc/passwd"}):
        refused = http.post("/assistants", json={"name": "probe", "kind": "scenario", "base_model": "smollm2-135m",
                                                 "options": options})
        assert refused.status_code == 400 and "operator" in refused.json()["error"]["message"]
    assert not Path("/tmp/elsewhere.db").exists()


def test_a_tenants_scenario_keeps_its_records_apart(served: LiveServer) -> None:
    tenant = "screens-" + str(time.monotonic_ns())
    _, http = admin_of(served, tenant)
    made = http.post("/assistants", json={"name": "my-funds", "kind": "scenario", "base_model": "smollm2-135m",
                                          "options": {"scenario": "funds", "understander": "rules"}})
    assert made.status_code == 200, made.text
    member = served.client(served.new_key(tenant))
    reply = member.chat.completions.create(model="my-funds",
                                           messages=[{"role": "user", "content": "low-risk bond funds"}])
    assert reply.choices[0].message.content
    with served.platform.store.transaction() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == tenant))
    assert (served.platform.settings.data_dir / "tenants" / str(tenant_id)).is_dir()


def test_names_are_fixed_and_a_kind_may_change(served: LiveServer) -> None:
    client, http = admin_of(served)
    store = client.vector_stores.create(name="k")
    grounded(http, "shifty", [store.id])
    assert http.patch("/assistants/shifty", json={"name": "other"}).json()["error"]["param"] == "name"
    changed = http.patch("/assistants/shifty", json={"kind": "chat", "options": {}})
    assert changed.status_code == 200 and changed.json()["knowledge_bases"] == []
    assert http.post("/assistants", json={"name": "n", "base_model": "smollm2-135m", "kind": "grounded",
                                          "knowledge_bases": ["vs_nope"]}).json()["error"]["param"] == \
        "knowledge_bases"


def test_a_file_deleted_or_redescribed_while_it_is_read_is_never_left_behind(served: LiveServer) -> None:
    from tests.api.test_ingest_restart import long_report

    client, http = admin_of(served)
    store = client.vector_stores.create(name="moving")
    first = client.files.create(file=("first.pdf", long_report()), purpose="assistants")
    second = client.files.create(file=("second.pdf", long_report() + b"\n%second"), purpose="assistants")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=first.id)
    client.vector_stores.files.create(vector_store_id=store.id, file_id=second.id)
    deadline = time.monotonic() + 120
    while client.vector_stores.files.retrieve(file_id=first.id, vector_store_id=store.id).model_extra[
            "luodi"]["pages_done"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    client.vector_stores.files.delete(file_id=first.id, vector_store_id=store.id)  # mid-read
    client.vector_stores.files.update(file_id=second.id, vector_store_id=store.id, attributes={"company": "Late"})
    [remaining] = wait_ingested(client, store.id)
    assert remaining.id == second.id and remaining.model_extra["luodi"]["document"]["company"] == "Late"
    time.sleep(1)  # the first job's end is concluded after its commit
    with served.platform.store.transaction() as session:
        kept = session.scalar(select(func.count()).select_from(documents).where(documents.c.kb_id == store.id))
    assert kept == 1


def test_a_name_made_again_on_another_replica_is_a_new_assistant(
        server_factory: Callable[..., LiveServer], postgres_database: Callable[[], str]) -> None:
    url = postgres_database()
    first, second = server_factory(database_url=url), server_factory(database_url=url)
    key = first.new_key(role="admin")
    one = first.client(key)
    two_http = httpx.Client(base_url=second.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    old = two_http.post("/assistants", json={"name": "again", "base_model": "smollm2-135m"}).json()
    one.chat.completions.create(model="again", messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
    two_http.delete("/assistants/again")
    new = two_http.post("/assistants", json={"name": "again", "base_model": "smollm2-135m",
                                             "system_prompt": "Answer in French."}).json()
    one.chat.completions.create(model="again", messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
    assert new["id"] in {identity for identity, _ in first.platform._assistants}
    tenant_id = first.platform.authenticate(key).tenant_id
    assert first.platform.resolve(tenant_id, "again").key == (new["id"], 1) != (old["id"], 1)


def test_an_approval_decided_on_a_replica_that_never_built_the_assistant(
        server_factory: Callable[..., LiveServer], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = server_factory(database_url=url), server_factory(database_url=url)
    tenant = "desk-" + str(time.monotonic_ns())
    admin = httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {first.new_key(tenant, role='admin')}"})
    made = admin.post("/assistants", json={"name": "my-hotel", "kind": "scenario", "base_model": "smollm2-135m",
                                           "options": {"scenario": "travel/hotel_en.yaml", "copilot": True}})
    assert made.status_code == 200, made.text
    guest = first.client(first.new_key(tenant))
    messages: list[dict[str, str]] = []
    for said in ("book the acorn guest house for 2 people on friday for 3 nights", "yes"):
        messages.append({"role": "user", "content": said})
        reply = guest.chat.completions.create(model="my-hotel", messages=messages)  # type: ignore[arg-type]
        messages.append({"role": "assistant", "content": reply.choices[0].message.content or ""})
    approval_id = (reply.model_extra or {})["luodi"]["state"]["stack"][-1]["approval_id"]
    started = time.monotonic()
    decided = httpx.post(f"{second.url}/approvals/{approval_id}/approve", json={"operator": "night desk"},
                         headers={"Authorization": f"Bearer {second.new_key(tenant, role='operator')}"}, timeout=60)
    assert decided.status_code == 200 and decided.json()["status"] == "executed", decided.text
    assert time.monotonic() - started < 20  # not a wait behind its own write lock


def test_a_definition_saved_under_earlier_rules_is_not_served(served: LiveServer, tmp_path: Path) -> None:
    from luodi.config import AssistantConfig
    from luodi.gateway import assistants as defined

    tenant = "earlier-" + str(time.monotonic_ns())
    key = served.new_key(tenant, role="admin")
    elsewhere = tmp_path / "elsewhere.db"
    with served.platform.store.transaction() as session:
        tenant_id = str(session.scalar(select(Tenant.id).where(Tenant.name == tenant)))
        defined.define(session, tenant_id, "old-style", AssistantConfig(
            base_model="smollm2-135m", kind="scenario",
            options={"scenario": "funds", "database": f"sqlite:///{elsewhere}"}))
    with pytest.raises(openai.InternalServerError, match="database"):
        served.client(key).chat.completions.create(model="old-style", messages=[{"role": "user", "content": "hi"}])
    assert not elsewhere.exists()


def test_a_member_key_sees_only_the_assistants_it_may_call_and_not_how_they_are_made(served: LiveServer) -> None:
    tenant = "viewers-" + str(time.monotonic_ns())
    _, http = admin_of(served, tenant)
    for name in ("public-bot", "board-bot"):
        http.post("/assistants", json={"name": name, "base_model": "smollm2-135m", "system_prompt": f"Internal {name}"})
    limited = http.post("/keys", json={"role": "member", "allowed_assistants": ["public-bot"]}).json()["secret"]
    member = httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {limited}"})
    listed = {a["name"]: a for a in member.get("/assistants").json()["data"]}
    assert "board-bot" not in listed and listed["public-bot"]["system_prompt"] == ""
    assert member.get("/assistants/board-bot").status_code == 404
    assert http.get("/assistants/board-bot").json()["system_prompt"] == "Internal board-bot"
    assert all(not a["options"] for a in http.get("/assistants").json()["data"] if a["owned_by"] == "platform")


def test_lists_page_as_openai_lists_do(served: LiveServer) -> None:
    client, http = admin_of(served)
    uploads = [client.files.create(file=(f"note-{i}.md", f"# Note {i}\n\nItem {i}.\n".encode()),
                                   purpose="assistants") for i in range(5)]
    paged = [f.id for f in client.files.list(limit=2)]  # the SDK follows `after` across pages
    assert sorted(paged) == sorted(u.id for u in uploads) and len(paged) == 5
    assert paged == [u.id for u in reversed(uploads)]  # newest first by default
    first = http.get("/files", params={"limit": 2, "order": "asc"}).json()
    assert [f["id"] for f in first["data"]] == [uploads[0].id, uploads[1].id] and first["has_more"]
    broken = client.files.create(file=("broken.pdf", b"%PDF-1.4 not really"), purpose="assistants")
    store = client.vector_stores.create(name="paged", file_ids=[*(u.id for u in uploads), broken.id])
    wait_ingested(client, store.id)
    # a cursor that does not pass the filter (the failed file) still places the next page
    after = http.get(f"/vector_stores/{store.id}/files",
                     params={"filter": "completed", "order": "desc", "after": broken.id, "limit": 2}).json()
    assert [f["id"] for f in after["data"]] == [uploads[4].id, uploads[3].id] and after["has_more"]
    assert http.get("/files", params={"after": "file-nope"}).json()["error"]["param"] == "after"
