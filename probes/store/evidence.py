"""Evidence files, content-addressed by sha256 under an evidence root.

A file's name is its hash (``ab/cdef....png``), so the same screenshot is stored once and every
file can be verified later against the hash its database row carries.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from probes.model import EvidenceRef

SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "text/html": ".html",
    "application/json": ".json",
    "text/plain": ".txt",
    "application/zip": ".zip",  # a Playwright trace (playwright show-trace opens it)
}


class EvidenceStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def put(self, data: bytes, media_type: str) -> EvidenceRef:
        digest = hashlib.sha256(data).hexdigest()
        rel = f"{digest[:2]}/{digest}{SUFFIXES.get(media_type, '.bin')}"
        path = self.root / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return EvidenceRef(digest, len(data), media_type, rel)

    def path(self, relpath: str) -> Path:
        """The file for a stored relative path; refuses anything outside the root."""
        root = self.root.resolve()
        candidate = (root / relpath).resolve()
        if not candidate.is_relative_to(root) or candidate == root:
            raise ValueError(f"evidence path outside the store: {relpath!r}")
        return candidate

    def read(self, relpath: str) -> bytes:
        return self.path(relpath).read_bytes()

    def check(self, ref_sha256: str, relpath: str) -> str:
        """'ok', 'changed' or 'missing' for one stored file."""
        try:
            data = self.read(relpath)
        except FileNotFoundError:
            return "missing"
        return "ok" if hashlib.sha256(data).hexdigest() == ref_sha256 else "changed"


def evidence_for(db_path: str | Path) -> EvidenceStore:
    return EvidenceStore(Path(db_path).resolve().parent / "evidence")
