"""The stand-in app's demo module: it records what it was given."""

from hive.demo import DemoContext

SEEN: list[dict] = []


def seed(context: DemoContext) -> None:
    SEEN.append(
        {
            "people": list(context.people),
            "login_ids": dict(context.login_ids),
            "summary": list(context.summary),
        }
    )
    context.summary.append("1 stand-in")
