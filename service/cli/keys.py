"""``claimflag keys …``: create, list and revoke API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from service.cli.base import _session_factory, console, keys_app

if TYPE_CHECKING:
    pass


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="submitter, reviewer or admin.")],
    name: Annotated[str, typer.Option(help="Who the key is for.")],
) -> None:
    """Create an API key and print its token (shown this once only)."""
    from service.auth.schemas import Role
    from service.auth.service import create_key

    try:
        chosen = Role(role)
    except ValueError as exc:
        raise typer.BadParameter(f"role must be one of {', '.join(Role)}") from exc
    with _session_factory()() as session:
        key, token = create_key(session, name, chosen)
        session.commit()
    console.print(f"key {key.id} for {name} ({chosen.value}); store the token now, it is not kept:")
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never their tokens)."""
    from service.auth.service import list_keys

    table = Table(title="API keys")
    for column in ("id", "name", "role", "prefix", "created", "revoked"):
        table.add_column(column)
    with _session_factory()() as session:
        for key in list_keys(session):
            table.add_row(
                str(key.id),
                key.name,
                key.role,
                key.prefix,
                key.created_at.isoformat(timespec="seconds"),
                key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-",
            )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id.")]) -> None:
    """Revoke an API key."""
    from service.auth.service import revoke_key
    from service.errors import NotFoundError

    with _session_factory()() as session:
        try:
            key = revoke_key(session, key_id)
        except NotFoundError as exc:
            raise typer.BadParameter(exc.detail) from exc
        session.commit()
    console.print(f"key {key.id} ({key.name}) revoked")
