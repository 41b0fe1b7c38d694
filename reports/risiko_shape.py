"""The shape of the risk picture (the summaries' `risiko` section and the politicians' reports):
the 5×5 matrix of active risks before and after tiltak, and the top risks with their tiltak.

Kept apart from the SQL (`reports.risiko`) so `reports.summary` can name it without importing queries.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from models.services.risk_read import RiskMatrix


class MatrixPart(BaseModel):
    """Active risks per cell of the 5×5 matrix: `cells[p - 1][c - 1]` for sannsynlighet p, konsekvens c."""

    after: bool = Field(description="false: scored before tiltak; true: after")
    total: int
    cells: list[list[int]]
    by_severity: dict[str, int] = Field(description="Lav / Middels / Høy / Kritisk → count")

    def matrix(self) -> RiskMatrix:
        """Back to the domain's matrix, for the chart (`reports.risk_chart`)."""
        return RiskMatrix(cells=tuple(tuple(r) for r in self.cells), after=self.after)


class RiskTiltakPart(BaseModel):
    description: str
    owner: str
    deadline: date
    done: bool


class TopRisk(BaseModel):
    ref: str = Field(description="RO-<number>")
    title: str
    unit: str
    process: str
    score_before: int
    score_after: int
    severity: str = Field(description="band of the score before tiltak")
    treatment: str = Field(description="Unngå / Redusere / Dele / Akseptere")
    owner: str
    review_date: date
    tiltak: list[RiskTiltakPart]


class RiskPicture(BaseModel):
    """The register as it stands on `as_of`: matrices before and after tiltak and the top risks."""

    as_of: date = Field(description="the day the register was read")
    before: MatrixPart
    after: MatrixPart
    top: list[TopRisk] = Field(description="the highest scores before tiltak, at most 10")
