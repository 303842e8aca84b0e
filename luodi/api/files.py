"""A tenant's files in OpenAI's shape: `POST /v1/files` (multipart: `file`, `purpose`), `GET /v1/files`,
`GET/DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`, so that `client.files.create(file=…,
purpose="assistants")` works unchanged. Deleting a file also takes it out of every vector store it was in.
Uploading and deleting need the tenant's admin key; reading its files needs an operator's key or above (a member
key calls assistants, which may be limited to some: it does not read the tenant's documents).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from pydantic import BaseModel

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.api.pages import PageQuery, page, page_query, sort_key
from luodi.gateway.tenants import ADMIN, OPERATOR
from luodi.knowledge import uploads
from luodi.knowledge.uploads import UploadedFile
from luodi.ledger import audit
from luodi.store import unix_time

router = APIRouter()


class FileOut(BaseModel):
    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int
    filename: str
    purpose: str
    status: Literal["processed"] = "processed"
    expires_at: int | None = None


class FileList(BaseModel):
    object: Literal["list"] = "list"
    data: list[FileOut]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None


class FileDeleted(BaseModel):
    id: str
    object: Literal["file"] = "file"
    deleted: bool = True


@router.post("/v1/files", response_model=FileOut)
async def upload_file(who: CallerDep, platform: PlatformDep, file: Annotated[UploadFile, File()],
                      purpose: Annotated[str, Form()]) -> FileOut:
    require(who, ADMIN, "uploading files")
    content = await file.read()
    with platform.store.transaction() as session:
        row = uploads.add_file(session, who.tenant_id, file.filename or "upload", content, purpose)
        audit.append(session, "file.uploaded", {"file_id": row.id, "filename": row.filename, "bytes": row.size,
                                                "sha256": row.sha256, "key_id": who.key_id}, tenant_id=who.tenant_id)
        return file_out(row)


@router.get("/v1/files", response_model=FileList)
def list_files(who: CallerDep, platform: PlatformDep, ask: Annotated[PageQuery, Depends(page_query)],
               purpose: str | None = None) -> FileList:
    require(who, OPERATOR, "reading the tenant's files")
    with platform.store.transaction() as session:
        every = uploads.files_of(session, who.tenant_id)
    placed = {f.id: sort_key(f.created_at, f.id) for f in every}
    chosen, more = page([f for f in every if purpose in (None, f.purpose)], ask,
                        lambda f: placed[f.id], placed.get)
    shown = [file_out(f) for f in chosen]
    return FileList(data=shown, has_more=more, first_id=shown[0].id if shown else None,
                    last_id=shown[-1].id if shown else None)


@router.get("/v1/files/{file_id}", response_model=FileOut)
def retrieve_file(file_id: str, who: CallerDep, platform: PlatformDep) -> FileOut:
    require(who, OPERATOR, "reading the tenant's files")
    with platform.store.transaction() as session:
        return file_out(uploads.get_file(session, who.tenant_id, file_id))


@router.get("/v1/files/{file_id}/content")
def file_content(file_id: str, who: CallerDep, platform: PlatformDep) -> Response:
    require(who, OPERATOR, "reading the tenant's files")
    with platform.store.transaction() as session:
        row = uploads.get_file(session, who.tenant_id, file_id)
        content, filename = row.content, row.filename
    # RFC 6266/5987: any name (CJK, quotes) survives as UTF-8; an ASCII fallback for old clients
    fallback = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return Response(content, media_type="application/octet-stream",
                    headers={"content-disposition": f"attachment; filename=\"{fallback}\"; "
                                                    f"filename*=UTF-8''{quote(filename)}"})


@router.delete("/v1/files/{file_id}", response_model=FileDeleted)
def delete_file(file_id: str, who: CallerDep, platform: PlatformDep) -> FileDeleted:
    require(who, ADMIN, "deleting files")
    removed: list[tuple[str, str | None]] = []
    with platform.store.transaction() as session:
        row = uploads.get_file(session, who.tenant_id, file_id)
        for attached in uploads.attachments_of(session, who.tenant_id, file_id):
            removed.append((attached.vector_store_id, uploads.detach(session, attached)))
        session.delete(row)
        audit.append(session, "file.deleted", {"file_id": file_id, "key_id": who.key_id,
                                               "vector_stores": [vs for vs, _ in removed]}, tenant_id=who.tenant_id)
    for vector_store_id, doc_id in removed:
        uploads.remove_documents(platform.store.engine, vector_store_id, [doc_id])
    return FileDeleted(id=file_id)


def file_out(row: UploadedFile) -> FileOut:
    return FileOut(id=row.id, bytes=row.size, created_at=unix_time(row.created_at), filename=row.filename,
                   purpose=row.purpose)
