"""Members own their data: the one registry of what every app holds about a person,
so an export is complete and an erasure leaves nothing behind.

THE PROTOCOL. Each app that stores anything about a person provides
`<app>/personal_data.py` with three names:

    MODELS: dict[type[Model], str]
        Every model of the app with a foreign key, one-to-one or many-to-many to the
        user model, mapped to what erasure does with its rows:
          "delete"     the rows are the person's own and go (answers, preferences…);
          "anonymize"  the rows stay because others hold them (a message received, a
                       group note, a vouch) but say nothing about the person any more:
                       they point at the erased account, which reads "former member",
                       and any text of theirs that names them is cleared;
          "keep"       the rows stay as they are, with a comment saying why (the audit
                       log keeps its rows under the erased account's bare id).
        An app may also list models of other apps it looks after (members lists
        allauth's, Django's sessions and admin log).

    export_data(user) -> dict
        JSON-able sections with self-describing keys: everything the app holds about
        `user`, from their side only (a dual relationship they declared, never one
        declared about them; a connection as the other person's handle only).

    erase_data(user) -> None
        Deletes or anonymizes the app's rows about `user`, as MODELS says. Runs inside
        one transaction with every other app's; files to remove go through
        `transaction.on_commit`.

and, optionally, `export_files(user) -> dict[str, bytes]`: files for the export's zip
(a profile photo), by a relative name.

`collect_export` calls the apps in INSTALLED_APPS order (each section under the app's
label); `erase_everywhere` calls them in reverse, so an app is erased before the apps it
builds on, and members, which owns the user row, turns it into a tombstone last.
tests/hive/test_personal_data.py fails when any installed model that refers to the user
model is in no app's MODELS.
"""

from __future__ import annotations

from types import ModuleType

from django.db import models, transaction

from hive.plugins import app_modules

PERSONAL_DATA_MODULE = "personal_data"
HANDLINGS = ("delete", "anonymize", "keep")


def _modules() -> list[ModuleType]:
    return app_modules(PERSONAL_DATA_MODULE)


def _label(module: ModuleType) -> str:
    """The app's label, from its module path ("matching.personal_data" → "matching")."""
    return module.__name__.rsplit(".", 1)[0].rsplit(".", 1)[-1]


def registered_models() -> dict[type[models.Model], tuple[str, str]]:
    """Every registered model → (handling, the app that registered it). A model
    registered twice is an error: one app owns each decision."""
    found: dict[type[models.Model], tuple[str, str]] = {}
    for module in _modules():
        for model, handling in module.MODELS.items():
            if handling not in HANDLINGS:
                raise ValueError(f"{model.__name__}: {handling!r} is not one of {HANDLINGS}")
            if model in found:
                raise ValueError(f"{model.__name__} is registered by two apps")
            found[model] = (handling, _label(module))
    return found


def collect_export(user) -> dict:
    """Everything every app holds about `user`, one section per app."""
    return {_label(module): module.export_data(user) for module in _modules()}


def collect_export_files(user) -> dict[str, bytes]:
    """The files apps add to the export, under "<app>/<name>"."""
    files: dict[str, bytes] = {}
    for module in _modules():
        export_files = getattr(module, "export_files", None)
        if export_files is None:
            continue
        for name, content in export_files(user).items():
            files[f"{_label(module)}/{name}"] = content
    return files


@transaction.atomic
def erase_everywhere(user) -> None:
    """Erase `user` from every app, the last installed first, in one transaction."""
    for module in reversed(_modules()):
        module.erase_data(user)
