"""`GET /api/health`: for load balancers and service managers. Says nothing about any clinic."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok")
