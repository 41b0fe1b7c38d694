"""`--org SLUG` for every `trad` command that works on one kommune, resolved the same way everywhere.

Why one helper: a wrong `--org` must give the same clear message and exit code 2 whichever
command it was given to, and no `--org` must mean the default kommune (TRAD_ORG) everywhere.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from models.services import tenants

if TYPE_CHECKING:
    from models.settings import Settings
    from models.uow import Tx as Session

ORG_HELP = "Kommunens kortnavn (standard: TRAD_ORG)."
ORG_OPTION = click.option("--org", "org_slug", default=None, metavar="SLUG", help=ORG_HELP)


def tenant_or_exit(tx: Session, slug: str | None, settings: Settings) -> tenants.Tenant:
    """The kommune `--org` names (the default one without it); a clear message and exit 2 when there is none."""
    try:
        return tenants.resolve(tx, slug, settings)
    except tenants.UnknownOrg as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)


def org_id_or_exit(tx: Session, slug: str | None, settings: Settings) -> int:
    return tenant_or_exit(tx, slug, settings).id
