"""gunicorn's settings, read from the working directory by `gunicorn hive.wsgi`
(README, Production). Command-line flags still win over what is set here."""


def post_worker_init(worker):
    """Each web worker builds its matching snapshot as it starts (in a thread: see
    matching.engine.warm_in_background), not on its first /matches/ request."""
    from matching import engine

    engine.warm_in_background()
