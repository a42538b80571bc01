"""How apps plug into the project without the project importing them.

`hive` imports no app (an import-linter contract checks it). Where the project needs
something from every app (demo data, cards on the member home, later the data export
and the calendar feed), each app provides a module of an agreed name, and the project
finds those modules by walking the installed apps in INSTALLED_APPS order, so an app
comes after the apps it builds on, and a new app plugs in without a line changed here.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_modules(name: str) -> list[ModuleType]:
    """Every installed app's `<app>.<name>` module, in INSTALLED_APPS order (the
    project's own `hive.<name>`, which usually does the finding, left out)."""
    found = []
    for app_config in apps.get_app_configs():
        if app_config.name == "hive" or not module_has_submodule(app_config.module, name):
            continue
        found.append(import_module(f"{app_config.name}.{name}"))
    return found
