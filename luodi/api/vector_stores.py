"""A tenant's knowledge bases in OpenAI's shape (`client.vector_stores…` of the official SDK):

- `POST/GET /v1/vector_stores`, `GET/POST/DELETE /v1/vector_stores/{id}`;
- `POST/GET /v1/vector_stores/{id}/files`, `GET/POST/DELETE /v1/vector_stores/{id}/files/{file_id}`: a file
  attached is `in_progress` until the ingestion worker has read it, then `completed` (searchable by the next
  request) or `failed` with `last_error`; `luodi` on each file tells the pages done and what was read of the
  document (company, period, title, type), which `attributes` correct;
- `POST /v1/vector_stores/{id}/search`: the passages a query finds, with their scores.

Luodi extension: `extractors` on create (the installed extractors to run, by name; all of them by default).
Parameters Luodi does not honour (`expires_after`, a chunking strategy other than `auto`) are refused by name.
Changes need the tenant's admin key; reading and searching need an operator's key or above. Lists take OpenAI's
`limit`, `order`, `after` and `before`. A search result's `score` is the fused rank score (reciprocal-rank fusion
of the lexical and the vector ranking: higher is better, about 0.03 at the top), not a cosine similarity.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.api.pages import PageQuery, page, page_query, sort_key
from luodi.assistants.grounded import KNOWLEDGE_OPTION
from luodi.errors import Conflict, RequestValidationFailed, UnsupportedParameter
from luodi.gateway import assistants as defined
from luodi.gateway.tenants import ADMIN, OPERATOR, Caller
from luodi.knowledge import uploads
from luodi.knowledge.extractors import UnknownExtractor, resolve_extractors
from luodi.knowledge.store import document_record, drop_knowledge_base
from luodi.knowledge.uploads import VectorStore, VectorStoreFile
from luodi.ledger import audit
from luodi.store import unix_time

router = APIRouter()
AUTO_CHUNKING = {"type": "auto"}
# what a file reports: not OpenAI's static token windows; passages are cut by page and paragraph
CHUNKING_REPORTED = {"type": "other"}


class VectorStoreCreate(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = Field(default="", max_length=uploads.MAX_NAME)
    description: str | None = Field(default=None, max_length=2000)
    file_ids: list[str] = Field(default_factory=list, max_length=500)
    metadata: dict[str, str] = Field(default_factory=dict)
    chunking_strategy: dict[str, Any] | None = None
    expires_after: dict[str, Any] | None = None
    extractors: list[str] | None = None  # Luodi's: the installed extractors to run (default: all)


class VectorStoreUpdate(BaseModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, max_length=uploads.MAX_NAME)
    metadata: dict[str, str] | None = None
    expires_after: dict[str, Any] | None = None


class FileAttach(BaseModel):
    model_config = {"extra": "forbid"}

    file_id: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    chunking_strategy: dict[str, Any] | None = None


class FileAttributes(BaseModel):
    model_config = {"extra": "forbid"}

    attributes: dict[str, Any] | None  # null: none


class SearchQuery(BaseModel):
    model_config = {"extra": "forbid"}

    query: str = Field(min_length=1, max_length=4000)
    max_num_results: int = Field(default=10, ge=1, le=50)


class FileCounts(BaseModel):
    in_progress: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    total: int = 0


class VectorStoreOut(BaseModel):
    id: str
    object: Literal["vector_store"] = "vector_store"
    created_at: int
    name: str
    usage_bytes: int
    file_counts: FileCounts
    status: Literal["in_progress", "completed"]
    last_active_at: int | None
    metadata: dict[str, str]
    description: str | None = None
    expires_after: None = None
    expires_at: None = None
    extractors: list[str]


class LastError(BaseModel):
    code: str
    message: str


class VectorStoreFileOut(BaseModel):
    id: str
    object: Literal["vector_store.file"] = "vector_store.file"
    created_at: int
    vector_store_id: str
    status: str
    usage_bytes: int
    last_error: LastError | None
    attributes: dict[str, Any]
    chunking_strategy: dict[str, Any] = Field(default_factory=lambda: dict(CHUNKING_REPORTED))
    luodi: dict[str, Any]


class Listing(BaseModel):
    object: Literal["list"] = "list"
    data: list[Any]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None


class Deleted(BaseModel):
    id: str
    object: str
    deleted: bool = True


@router.post("/v1/vector_stores", response_model=VectorStoreOut)
def create_vector_store(body: VectorStoreCreate, who: CallerDep, platform: PlatformDep) -> VectorStoreOut:
    require(who, ADMIN, "creating vector stores")
    _refuse_unhonoured(body.expires_after, body.chunking_strategy)
    installed = platform.components.extractors
    names = list(body.extractors) if body.extractors is not None else [e.name for e in installed]
    try:
        resolve_extractors(names, installed)
    except UnknownExtractor as exc:
        raise RequestValidationFailed(str(exc), param="extractors") from exc
    with platform.store.transaction() as session:
        store = uploads.add_vector_store(session, who.tenant_id, body.name, body.metadata, names, body.description)
        for file_id in body.file_ids:
            uploads.attach(session, store, uploads.get_file(session, who.tenant_id, file_id), {})
        audit.append(session, "vector_store.created", {"vector_store_id": store.id, "name": body.name,
                                                       "file_ids": body.file_ids, "key_id": who.key_id},
                     tenant_id=who.tenant_id)
        out = vector_store_out(session, store)
    platform.ingestion.wake()
    return out


@router.get("/v1/vector_stores", response_model=Listing)
def list_vector_stores(who: CallerDep, platform: PlatformDep,
                       ask: Annotated[PageQuery, Depends(page_query)]) -> Listing:
    require_reader(who)
    with platform.store.transaction() as session:
        stores = uploads.vector_stores_of(session, who.tenant_id)
        placed = {s.id: sort_key(s.created_at, s.id) for s in stores}
        shown, more = page(stores, ask, lambda s: placed[s.id], placed.get)
        return listing([vector_store_out(session, s) for s in shown], more)


@router.get("/v1/vector_stores/{vector_store_id}", response_model=VectorStoreOut)
def retrieve_vector_store(vector_store_id: str, who: CallerDep, platform: PlatformDep) -> VectorStoreOut:
    require_reader(who)
    with platform.store.transaction() as session:
        return vector_store_out(session, uploads.get_vector_store(session, who.tenant_id, vector_store_id))


@router.post("/v1/vector_stores/{vector_store_id}", response_model=VectorStoreOut)
def update_vector_store(vector_store_id: str, body: VectorStoreUpdate, who: CallerDep,
                        platform: PlatformDep) -> VectorStoreOut:
    require(who, ADMIN, "changing vector stores")
    _refuse_unhonoured(body.expires_after, None)
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        store.name = body.name if body.name is not None else store.name
        store.extra = body.metadata if body.metadata is not None else store.extra
        return vector_store_out(session, store)


@router.delete("/v1/vector_stores/{vector_store_id}", response_model=Deleted)
def delete_vector_store(vector_store_id: str, who: CallerDep, platform: PlatformDep) -> Deleted:
    require(who, ADMIN, "deleting vector stores")
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        users = [row.name for row in defined.of_tenant(session, who.tenant_id)
                 if vector_store_id in row.assistant_config.options.get(KNOWLEDGE_OPTION, [])]
        if users:
            raise Conflict(f"vector store {vector_store_id} is the knowledge of assistant(s) {', '.join(users)}; "
                           "take it out of their knowledge_bases first")
        uploads.drop(session, store)
        audit.append(session, "vector_store.deleted", {"vector_store_id": vector_store_id, "key_id": who.key_id},
                     tenant_id=who.tenant_id)
    drop_knowledge_base(platform.store.engine, vector_store_id)
    return Deleted(id=vector_store_id, object="vector_store.deleted")


@router.post("/v1/vector_stores/{vector_store_id}/files", response_model=VectorStoreFileOut)
def attach_file(vector_store_id: str, body: FileAttach, who: CallerDep, platform: PlatformDep) -> VectorStoreFileOut:
    require(who, ADMIN, "adding files to vector stores")
    _refuse_unhonoured(None, body.chunking_strategy)
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        upload = uploads.get_file(session, who.tenant_id, body.file_id)
        row = uploads.attach(session, store, upload, body.attributes)
        audit.append(session, "vector_store.file_added", {"vector_store_id": store.id, "file_id": upload.id,
                                                          "attributes": body.attributes, "key_id": who.key_id},
                     tenant_id=who.tenant_id)
        out = file_out(session, row, upload.size)
    platform.ingestion.wake()
    return out


@router.get("/v1/vector_stores/{vector_store_id}/files", response_model=Listing)
def list_files(vector_store_id: str, who: CallerDep, platform: PlatformDep,
               ask: Annotated[PageQuery, Depends(page_query)],
               filter: Literal["in_progress", "completed", "failed", "cancelled"] | None = None) -> Listing:
    require_reader(who)
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        sizes = {f.id: f.size for f in uploads.files_of(session, who.tenant_id)}
        every = uploads.files_in(session, store.id)
        placed = {row.file_id: sort_key(row.created_at, row.file_id) for row in every}
        shown, more = page([row for row in every if filter in (None, row.status)], ask,
                           lambda row: placed[row.file_id], placed.get)
        return listing([file_out(session, row, sizes.get(row.file_id, 0)) for row in shown], more)


@router.get("/v1/vector_stores/{vector_store_id}/files/{file_id}", response_model=VectorStoreFileOut)
def retrieve_file(vector_store_id: str, file_id: str, who: CallerDep, platform: PlatformDep) -> VectorStoreFileOut:
    require_reader(who)
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        row = uploads.get_attached(session, store, file_id)
        return file_out(session, row, uploads.get_file(session, who.tenant_id, file_id).size)


@router.post("/v1/vector_stores/{vector_store_id}/files/{file_id}", response_model=VectorStoreFileOut)
def update_file(vector_store_id: str, file_id: str, body: FileAttributes, who: CallerDep,
                platform: PlatformDep) -> VectorStoreFileOut:
    require(who, ADMIN, "changing a file's attributes")
    attributes = body.attributes or {}
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        row = uploads.get_attached(session, store, file_id)
        upload = uploads.get_file(session, who.tenant_id, file_id)
        row.attributes = dict(uploads.checked_attributes(attributes))
        doc_id, filename, size = row.doc_id, upload.filename, upload.size
        audit.append(session, "vector_store.file_described", {"vector_store_id": store.id, "file_id": file_id,
                                                              "attributes": attributes, "key_id": who.key_id},
                     tenant_id=who.tenant_id)
    uploads.redescribe(platform.store.engine, vector_store_id, doc_id, attributes, filename)
    with platform.store.transaction() as session:
        row = uploads.get_attached(session, uploads.get_vector_store(session, who.tenant_id, vector_store_id),
                                   file_id)
        return file_out(session, row, size)


@router.delete("/v1/vector_stores/{vector_store_id}/files/{file_id}", response_model=Deleted)
def detach_file(vector_store_id: str, file_id: str, who: CallerDep, platform: PlatformDep) -> Deleted:
    require(who, ADMIN, "removing files from vector stores")
    with platform.store.transaction() as session:
        store = uploads.get_vector_store(session, who.tenant_id, vector_store_id)
        doc_id = uploads.detach(session, uploads.get_attached(session, store, file_id))
        audit.append(session, "vector_store.file_removed", {"vector_store_id": store.id, "file_id": file_id,
                                                            "key_id": who.key_id}, tenant_id=who.tenant_id)
    uploads.remove_documents(platform.store.engine, vector_store_id, [doc_id])
    return Deleted(id=file_id, object="vector_store.file.deleted")


@router.post("/v1/vector_stores/{vector_store_id}/search", response_model=Listing)
def search(vector_store_id: str, body: SearchQuery, who: CallerDep, platform: PlatformDep) -> Listing:
    require_reader(who)
    with platform.store.transaction() as session:
        uploads.get_vector_store(session, who.tenant_id, vector_store_id)
    knowledge = platform.vector_store_knowledge(vector_store_id)
    hits = knowledge.search(body.query, body.max_num_results)
    documents = knowledge.index.documents  # the revision the hits came from
    return Listing(data=[{
        "object": "vector_store.search_result", "file_id": documents[h.passage.doc_id].metadata.get("file_id"),
        "filename": documents[h.passage.doc_id].source, "score": round(h.score, 6),
        "attributes": {"page": h.passage.page, "passage_id": h.passage.passage_id},
        "content": [{"type": "text", "text": h.passage.text}]} for h in hits if h.passage.doc_id in documents])


def vector_store_out(session: Session, store: VectorStore) -> VectorStoreOut:
    files = uploads.files_in(session, store.id)
    counts = FileCounts(total=len(files))
    for row in files:
        setattr(counts, row.status, getattr(counts, row.status) + 1)
    sizes = {f.id: f.size for f in uploads.files_of(session, store.tenant_id)}
    return VectorStoreOut(
        id=store.id, created_at=unix_time(store.created_at), name=store.name,
        usage_bytes=sum(sizes.get(row.file_id, 0) for row in files if row.status == uploads.COMPLETED),
        file_counts=counts, status="in_progress" if counts.in_progress else "completed",
        last_active_at=max((unix_time(r.finished_at) for r in files if r.finished_at), default=None),
        metadata=dict(store.extra or {}), extractors=list(store.extractors or []), description=store.description)


def file_out(session: Session, row: VectorStoreFile, size: int) -> VectorStoreFileOut:
    error = LastError(code=row.error_code, message=row.error_message or "") if row.error_code else None
    return VectorStoreFileOut(
        id=row.file_id, created_at=unix_time(row.created_at), vector_store_id=row.vector_store_id,
        status=row.status, usage_bytes=size if row.status == uploads.COMPLETED else 0, last_error=error,
        attributes=dict(row.attributes or {}),
        luodi={"pages_done": row.pages_done, "pages_total": row.pages_total, "attempts": row.attempts,
               "document": _document(session, row)})


def _document(session: Session, row: VectorStoreFile) -> dict[str, Any] | None:
    """What was read of the document the file became: the company, period and type, as the readers found them
    or the attributes corrected them."""
    if not row.doc_id:
        return None
    record = document_record(session, row.vector_store_id, row.doc_id)
    if record is None:
        return None
    return {"doc_id": record.doc_id, "title": record.title, "company": record.company,
            "period_year": record.period_year, "pages": record.pages,
            "document_type": record.metadata.get("document_type") or record.metadata.get("form")}


def listing(items: list[Any], more: bool = False) -> Listing:
    return Listing(data=items, has_more=more, first_id=items[0].id if items else None,
                   last_id=items[-1].id if items else None)


def require_reader(who: Caller) -> None:
    require(who, OPERATOR, "reading the tenant's vector stores")


def _refuse_unhonoured(expires_after: dict[str, Any] | None, chunking: dict[str, Any] | None) -> None:
    if expires_after is not None:
        raise UnsupportedParameter("expires_after is not supported: Luodi's vector stores live until deleted",
                                   param="expires_after")
    if chunking is not None and chunking != AUTO_CHUNKING:
        raise UnsupportedParameter("chunking_strategy: only {\"type\": \"auto\"} is supported (Luodi cuts passages "
                                   "by page and paragraph)", param="chunking_strategy")
