"""Rendering plain text (email bodies, subjects, in-app lines) from templates.

Django's template engine escapes HTML, which is right for pages and wrong for text: a
reviewer's "don't" would reach the applicant as "don&#x27;t". Text templates render
through an engine with autoescaping off; wherever the text later lands in a page, the
page's own autoescaping protects it.
"""

from functools import cache

from django.template import Engine, engines


@cache
def _engine() -> Engine:
    """The project's template engine, loaders and libraries, without autoescaping."""
    base = engines["django"].engine
    return Engine(
        dirs=base.dirs,
        app_dirs=base.app_dirs,
        loaders=base.loaders,
        libraries=base.libraries,
        builtins=[b for b in base.builtins if b not in Engine.default_builtins],
        autoescape=False,
    )


def render_text(template_name: str, context: dict) -> str:
    return _engine().get_template(template_name).render(_context(context))


def _context(values: dict):
    from django.template import Context

    return Context(values, autoescape=False)
