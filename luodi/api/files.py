"""A tenant's files in OpenAI's shape: `POST /v1/files` (multipart: `file`, `purpose`), `GET /v1/files`,
`GET/DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`, so that `client.files.create(file=…,
purpose="assistants")` works unchanged. Deleting a file also takes it out of every vector store it was in.
Uploading and deleting need the tenant's admin key; any key of the tenant may read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel

from luodi.api.deps import CallerDep, PlatformDep
from luodi.errors import AdminKeyRequired
from luodi.gateway.tenants import Caller
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
    require_admin(who, "uploading files")
    content = await file.read()
    with platform.store.transaction() as session:
        row = uploads.add_file(session, who.tenant_id, file.filename or "upload", content, purpose)
        audit.append(session, "file.uploaded", {"file_id": row.id, "filename": row.filename, "bytes": row.size,
                                                "sha256": row.sha256, "key_id": who.key_id}, tenant_id=who.tenant_id)
        return file_out(row)


@router.get("/v1/files", response_model=FileList)
def list_files(who: CallerDep, platform: PlatformDep, purpose: str | None = None) -> FileList:
    with platform.store.transaction() as session:
        found = [file_out(f) for f in uploads.files_of(session, who.tenant_id) if purpose in (None, f.purpose)]
    return FileList(data=found, first_id=found[0].id if found else None, last_id=found[-1].id if found else None)


@router.get("/v1/files/{file_id}", response_model=FileOut)
def retrieve_file(file_id: str, who: CallerDep, platform: PlatformDep) -> FileOut:
    with platform.store.transaction() as session:
        return file_out(uploads.get_file(session, who.tenant_id, file_id))


@router.get("/v1/files/{file_id}/content")
def file_content(file_id: str, who: CallerDep, platform: PlatformDep) -> Response:
    with platform.store.transaction() as session:
        row = uploads.get_file(session, who.tenant_id, file_id)
        content, filename = row.content, row.filename
    return Response(content, media_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@router.delete("/v1/files/{file_id}", response_model=FileDeleted)
def delete_file(file_id: str, who: CallerDep, platform: PlatformDep) -> FileDeleted:
    require_admin(who, "deleting files")
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


def require_admin(who: Caller, doing: str) -> None:
    if not who.is_tenant_admin:
        raise AdminKeyRequired(f"{doing} needs the tenant's admin key (role admin)")
